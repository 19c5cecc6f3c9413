import CBLAS

/// The engine's only door to OpenBLAS: single-precision matrix products on row-major buffers, with shapes checked
/// before every call.
package enum BLAS {
    /// The kernel family OpenBLAS runs ("Prescott", "Haswell", "SkylakeX"), or `nil` when it does not say.
    static var coreName: String? {
        guard let name = openblas_get_corename() else { return nil }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses for one call.
    package static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue > 0, "OpenBLAS needs at least one thread")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// Runs `body` with OpenBLAS set to `threadCount` threads, then puts back the count it found (the setting is
    /// the process's, so a call that changes it for itself must not leave it changed for the others).
    package static func withThreadCount<Result>(_ threadCount: Int, _ body: () throws -> Result) rethrows -> Result {
        let previous = self.threadCount
        let wanted = max(threadCount, 1)
        if previous != wanted { self.threadCount = wanted }
        defer { if self.threadCount != previous { self.threadCount = previous } }
        return try body()
    }

    /// `c = alpha · op(a) · op(b) + beta · c`, all row-major.
    ///
    /// - Parameters:
    ///   - a: `m × k` (or `k × m` when `transposeA`), `a.count == m · k`.
    ///   - transposeA: Whether `a` is stored transposed.
    ///   - b: `k × n` (or `n × k` when `transposeB`), `b.count == k · n`.
    ///   - transposeB: Whether `b` is stored transposed.
    ///   - c: `m × n`, `c.count == m · n`.
    ///   - m: Rows of `op(a)` and `c`.
    ///   - n: Columns of `op(b)` and `c`.
    ///   - k: Columns of `op(a)`, rows of `op(b)`.
    ///   - alpha: The factor of the product.
    ///   - beta: The factor of `c`'s previous contents.
    package static func gemm(
        _ a: UnsafeBufferPointer<Float>, transposeA: Bool = false, _ b: UnsafeBufferPointer<Float>,
        transposeB: Bool = false, into c: UnsafeMutableBufferPointer<Float>, m: Int, n: Int, k: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative dimension in gemm")
        precondition(a.count >= m * k, "gemm: a has \(a.count) elements, needs \(m)×\(k)")
        precondition(b.count >= k * n, "gemm: b has \(b.count) elements, needs \(k)×\(n)")
        precondition(c.count >= m * n, "gemm: c has \(c.count) elements, needs \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for index in 0..<(m * n) { c[index] *= beta }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a.baseAddress, Int32(transposeA ? m : k), b.baseAddress,
            Int32(transposeB ? k : n), beta, c.baseAddress, Int32(n))
    }

    /// `c = alpha · a · op(b) + beta · c` on row-major matrices that lie inside larger ones: `a` is `m × k` with
    /// rows `strideA` elements apart, `b` is `k × n` (or `n × k` when `transposeB`) with rows `strideB` apart, `c`
    /// is `m × n` with rows `strideC` apart (a head's columns of a layer's query, key and value rows, say).
    package static func gemm(
        _ a: UnsafePointer<Float>, strideA: Int, _ b: UnsafePointer<Float>, strideB: Int, transposeB: Bool = false,
        into c: UnsafeMutablePointer<Float>, strideC: Int, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m > 0 && n > 0 && k > 0, "strided gemm of shape \(m)×\(k)·\(k)×\(n)")
        precondition(strideA >= k && strideB >= (transposeB ? k : n) && strideC >= n, "strided gemm: short rows")
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(strideA), b, Int32(strideB), beta, c, Int32(strideC))
    }

    /// `y = alpha · a · x + beta · y` for a row-major `rows × columns` matrix `a`.
    package static func gemv(
        _ a: UnsafeBufferPointer<Float>, rows: Int, columns: Int, _ x: UnsafeBufferPointer<Float>,
        into y: UnsafeMutableBufferPointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(rows >= 0 && columns >= 0, "negative dimension in gemv")
        precondition(a.count >= rows * columns, "gemv: a has \(a.count) elements, needs \(rows)×\(columns)")
        precondition(x.count >= columns, "gemv: x has \(x.count) elements, needs \(columns)")
        precondition(y.count >= rows, "gemv: y has \(y.count) elements, needs \(rows)")
        guard rows > 0 else { return }
        guard columns > 0 else {
            for index in 0..<rows { y[index] *= beta }
            return
        }
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), alpha, a.baseAddress, Int32(columns),
            x.baseAddress, 1, beta, y.baseAddress, 1)
    }
}
