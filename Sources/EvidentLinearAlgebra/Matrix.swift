/// A dense row-major matrix of single-precision floats.
public struct Matrix: Sendable, Hashable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, row after row; `elements.count == rows * columns`.
    public private(set) var elements: [Float]

    /// Creates a matrix from row-major elements.
    ///
    /// - Parameters:
    ///   - rows: The number of rows.
    ///   - columns: The number of columns.
    ///   - elements: `rows * columns` elements, row after row.
    public init(rows: Int, columns: Int, elements: [Float]) {
        precondition(rows >= 0 && columns >= 0, "a matrix cannot have negative dimensions")
        precondition(elements.count == rows * columns, "\(elements.count) elements for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// Returns the element at `row`, `column`.
    public subscript(row: Int, column: Int) -> Float {
        elements[row * columns + column]
    }

    /// Returns the product `self × other`, computed by OpenBLAS's `sgemm`.
    ///
    /// - Parameter other: A matrix with as many rows as `self` has columns.
    /// - Returns: A `rows × other.columns` matrix.
    /// - Complexity: O(`rows` · `columns` · `other.columns`)
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "cannot multiply \(rows)×\(columns) by \(other.rows)×\(other.columns)")
        var product = [Float](repeating: 0, count: rows * other.columns)
        elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                product.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(a, b, into: c, m: rows, n: other.columns, k: columns)
                }
            }
        }
        return Matrix(rows: rows, columns: other.columns, elements: product)
    }
}
