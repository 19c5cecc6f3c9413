import Foundation

// Exact search with a bfloat16 pre-screen.
//
// On processors with Intel AMX, the index keeps a bfloat16 copy of its vectors (half the bytes of fp32) and
// scores every vector against the queries approximately with the tile unit, which multiplies bfloat16 matrices
// at many times the rate of fp32 FMA; only the vectors whose approximate score comes close to a query's best are
// scored again, exactly, with the same fp32 kernel as `search(_:limit:threadCount:)`. The result is the exact
// top k, not an approximation:
//
// Rounding a float to bfloat16 changes it by at most a factor 1 ± 2⁻⁸, so a product of two rounded elements is
// within |q_i·x_i|·(2⁻⁷ + 2⁻¹⁶) of the exact one, and accumulating n products in fp32 (the tile unit's and our
// fp32 kernel's sums alike) adds at most n·2⁻²⁴·Σ|q_i·x_i| each (to first order; we double it). With
// Σ|q_i·x_i| ≤ ‖q‖·‖x‖, the approximate score s̃ of any vector is within
//     ε = ‖q‖ · max‖x‖ · (2⁻⁷ + 2⁻¹⁶ + 2.02 · n · 2⁻²⁴) (+ a tiny term for denormals flushed to zero)
// of its fp32 score s. If s̃ₖ is the k-th best approximate score, the k vectors above it have s ≥ s̃ₖ − ε, so the
// k-th best exact score is at least s̃ₖ − ε; a vector y of the exact top k then has s̃(y) ≥ s(y) − ε ≥ s̃ₖ − 2ε.
// Keeping every vector with s̃ ≥ s̃ₖ − 2ε therefore keeps the exact top k, ties included; thresholds computed
// from fewer vectors are lower still, so the running thresholds of the screen keep them too.

extension FlatVectorIndex {
    /// Whether searches may use the bfloat16 pre-screen.
    public enum Screening: Sendable, Hashable {
        /// Use it when the processor has AMX and the index has at least `minimumScreenedCount` vectors.
        case automatic
        /// Always score every vector in fp32.
        case off
    }

    /// Whether this machine can run the bfloat16 screen (Intel AMX with the tile registers granted).
    public static var screeningIsAvailable: Bool { Kernels.bfloat16ScreenIsAvailable }

    /// Below this many vectors the fp32 kernels are fast enough that the copy is not worth its memory.
    static let minimumScreenedCount = 4096

    /// Whether a search of this index goes through the screen.
    var usesScreen: Bool {
        screening == .automatic && count >= Self.minimumScreenedCount && Self.screeningIsAvailable
    }

    /// Makes the bfloat16 copy that screened searches read, when they will use one, so that the first search
    /// does not wait for it.
    func prepareForSearch() {
        if usesScreen { _ = screenCopy.vectors(of: self) }
    }

    /// The screen's half-width for a query of norm `queryNorm`: the bound ε derived above, made a little larger.
    static func screenError(queryNorm: Float, largestNorm: Float, dimension: Int) -> Float {
        let relative = 0x1p-7 + 0x1p-16 + 2.02 * Double(dimension) * 0x1p-24
        let denormals = Double(dimension) * 0x1p-120
        return Float((relative * Double(queryNorm) * Double(largestNorm) + denormals) * 1.001)
    }

    /// Exact top `limit` for each query, through the screen. Requires `usesScreen`.
    func screenedSearch(_ queries: [[Float]], limit: Int, threadCount: Int) -> [[VectorMatch]] {
        let copy = screenCopy.vectors(of: self)
        let padded = copy.paddedDimension
        var queryMatrix = [UInt16](repeating: 0, count: queries.count * padded)
        var margins = [Float](repeating: 0, count: queries.count)
        for (index, query) in queries.enumerated() {
            query.withUnsafeBufferPointer { query in
                queryMatrix.withUnsafeMutableBufferPointer { matrix in
                    guard let start = matrix.baseAddress else { return }
                    Kernels.convertToBFloat16(
                        query, rows: 1, dimension: dimension, into: start + index * padded, paddedDimension: padded)
                }
            }
            let norm = query.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            margins[index] =
                2 * Self.screenError(queryNorm: norm, largestNorm: copy.largestNorm, dimension: dimension)
        }
        // Parts of whole 32-row blocks, as the tile kernel needs.
        let blocks = (count + 31) / 32
        let parts = Self.partCount(rows: count, threadCount: threadCount)
        var partLists = [[Kernels.ScreenCandidates]](repeating: [], count: parts)
        queryMatrix.withUnsafeBufferPointer { queryMatrix in
            margins.withUnsafeBufferPointer { margins in
                partLists.withUnsafeMutableBufferPointer { partLists in
                    // Each part writes its own element; the buffers outlive the concurrent calls.
                    nonisolated(unsafe) let (partLists, queryMatrix, margins) = (partLists, queryMatrix, margins)
                    let count = count
                    Self.forEachPart(parts, rows: blocks) { part, blockRange in
                        let lists = (0..<queries.count).map { _ in
                            Kernels.ScreenCandidates(capacity: max(1024, 8 * limit))
                        }
                        Kernels.screen(
                            copy.elements, rows: (blockRange.lowerBound * 32)..<min(blockRange.upperBound * 32, count),
                            paddedDimension: padded, queries: queryMatrix, queryCount: queries.count, limit: limit,
                            margins: margins, lists: lists)
                        partLists[part] = lists
                    }
                }
            }
        }
        return storage.withElements { vectors in
            queries.indices.map { query in
                var top = TopMatches(limit: limit)
                queries[query].withUnsafeBufferPointer { queryVector in
                    for lists in partLists {
                        lists[query].forEachRow { row in
                            let score = Kernels.dotProduct(
                                UnsafeBufferPointer(rebasing: vectors[(row * dimension)..<((row + 1) * dimension)]),
                                queryVector)
                            top.insert(VectorMatch(index: row, score: score))
                        }
                    }
                }
                return top.sorted
            }
        }
    }
}

/// The bfloat16 copy of an index's vectors, made on first use and shared by every copy of the index value.
final class ScreenCopy: @unchecked Sendable {
    /// The vectors in bfloat16, row-major, rows padded to a multiple of 32 elements and their number to a multiple
    /// of 32 rows (zeros).
    struct Vectors: @unchecked Sendable {
        let elements: UnsafeMutablePointer<UInt16>
        let paddedDimension: Int
        let largestNorm: Float
    }

    private let lock = NSLock()
    private var made: Vectors?

    /// Whether the copy exists yet.
    var isMade: Bool {
        lock.lock()
        defer { lock.unlock() }
        return made != nil
    }

    func vectors(of index: FlatVectorIndex) -> Vectors {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let dimension = index.dimension
        let padded = (dimension + 31) / 32 * 32
        let rows = (index.count + 31) / 32 * 32
        let elements = UnsafeMutablePointer<UInt16>.allocate(capacity: rows * padded)
        elements.initialize(repeating: 0, count: rows * padded)
        var largest: Float = 0
        index.storage.withElements { vectors in
            Kernels.convertToBFloat16(
                vectors, rows: index.count, dimension: dimension, into: elements, paddedDimension: padded)
            for row in 0..<index.count {
                var squares: Float = 0
                for element in vectors[(row * dimension)..<((row + 1) * dimension)] { squares += element * element }
                largest = max(largest, squares)
            }
        }
        // Rounding up by n·2⁻²⁴ + 2⁻²² covers the error of the sum of n squares and of its square root.
        let slack = 1 + Float(dimension) * 0x1p-24 + 0x1p-22
        let made = Vectors(elements: elements, paddedDimension: padded, largestNorm: largest.squareRoot() * slack)
        self.made = made
        return made
    }

    deinit { made?.elements.deallocate() }
}
