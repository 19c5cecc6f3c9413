import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The element-wise kernels of the encoder: exp, erf, GELU, softmax, layer normalisation, written on `SIMD16<Float>`
/// so that they keep up with the matrix products around them.
///
/// Debug builds leave SIMD code unoptimised (some 6,000 instructions per 16-lane exp); there, and only there, the
/// row kernels call the C library's `expf` and `erff` per element instead, which keeps the parity test about as
/// fast as the matrix products. The vector kernels themselves are tested directly in every build.
enum BertKernels {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    // MARK: exp and erf
    //
    // Only operations the standard library implements concretely for `SIMD16<Float>` and `SIMD16<Int32>` appear
    // below (float arithmetic and comparisons, wrapping integer `&+ &- &*`, bit casts): the generic ones
    // (`pointwiseMax`, `clamped`, `&`, `|`, `replacing`) go lane by lane through protocol witnesses in debug builds.

    typealias Integers = SIMD16<Int32>

    /// `whenTrue` in the lanes where `mask` is set, `otherwise` elsewhere.
    @inline(__always)
    static func select(_ mask: SIMDMask<Integers>, _ whenTrue: Vector, otherwise: Vector) -> Vector {
        let one = Integers(repeating: 0) &- unsafeBitCast(mask, to: Integers.self)  // a set lane is −1
        let other = unsafeBitCast(otherwise, to: Integers.self)
        return unsafeBitCast(other &+ (unsafeBitCast(whenTrue, to: Integers.self) &- other) &* one, to: Vector.self)
    }

    /// `e^x` for every lane, within about 2 ulp for `x` in [-87.3, 88.3]; smaller inputs (−∞ included) give
    /// 2^−126 ≈ 1.2e-38, larger ones must not occur (softmax and erf only pass values ≤ 0).
    @inline(__always)
    static func exponential(_ input: Vector) -> Vector {
        let lowest = Vector(repeating: -87.3)
        let x = select(input .< lowest, lowest, otherwise: input)
        // n = round(x / ln 2) by the 1.5·2^23 trick; the low bits of `shifted` hold n as an integer.
        let roundingConstant: Float = 12_582_912
        let shifted = x * 1.442_695_04 + roundingConstant
        let n = shifted - roundingConstant
        // r = x − n·ln 2 in two steps (Cody and Waite), |r| ≤ ln 2 / 2.
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        // e^r by its Taylor series to degree 7: the truncation error is below 3e-9 on |r| ≤ 0.347.
        var polynomial = r * (1 / 5040) + (1 / 720)
        polynomial = polynomial * r + (1 / 120)
        polynomial = polynomial * r + (1 / 24)
        polynomial = polynomial * r + (1 / 6)
        polynomial = polynomial * r + 0.5
        polynomial = polynomial * r + 1
        polynomial = polynomial * r + 1
        let integer =
            unsafeBitCast(shifted, to: Integers.self)
            &- unsafeBitCast(Vector(repeating: roundingConstant), to: Integers.self)
        // 2^n: the exponent field n + 127 shifted left by 23 bits (by multiplying: the shift is generic).
        let scale = unsafeBitCast(
            (integer &+ Integers(repeating: 127)) &* Integers(repeating: 1 << 23), to: Vector.self)
        return polynomial * scale
    }

    /// The Maclaurin coefficients of erf(x) / x in powers of x²: 2/√π · (−1)ⁿ / (n! (2n + 1)), n = 0…10.
    private static let seriesCoefficients: [Float] = (0...10).map { n in
        let factorial = (1...max(n, 1)).reduce(1.0) { $0 * Double($1) }
        let sign: Double = n % 2 == 0 ? 1 : -1
        return Float(2 / Double.pi.squareRoot() * sign / (factorial * Double(2 * n + 1)))
    }

    /// The error function for every lane, with an absolute error below 2e-7 (1 ulp of erf near 1 is 6e-8).
    ///
    /// Below |x| = 1 it sums the Maclaurin series to x²¹ (the first omitted term is under 2e-9); above, it uses the
    /// rational-times-Gaussian form of Abramowitz and Stegun, formula 7.1.26 (error below 1.5e-7):
    /// erf(x) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−x²), t = 1 / (1 + p·x), and erf is odd.
    @inline(__always)
    static func errorFunction(_ x: Vector) -> Vector {
        let one = Vector(repeating: 1)
        let sign = select(x .< Vector(repeating: 0), Vector(repeating: -1), otherwise: one)
        let magnitude = x * sign
        let square = x * x
        let coefficients = seriesCoefficients
        var series = Vector(repeating: coefficients[10])
        for index in stride(from: 9, through: 0, by: -1) { series = series * square + coefficients[index] }
        series *= x
        let t = one / (magnitude * 0.327_591_1 + one)
        var polynomial = t * 1.061_405_429 - 1.453_152_027
        polynomial = polynomial * t + 1.421_413_741
        polynomial = polynomial * t - 0.284_496_736
        polynomial = polynomial * t + 0.254_829_592
        polynomial = polynomial * t
        let tail = (one - polynomial * exponential(Vector(repeating: 0) - square)) * sign
        return select(magnitude .< one, series, otherwise: tail)
    }

    /// The error function of one value, through the vector kernel (so scalar and vector paths agree).
    static func errorFunction(_ x: Float) -> Float { errorFunction(Vector(repeating: x))[0] }

    /// The exact (erf-based) GELU, x·(1 + erf(x / √2)) / 2, of one value.
    static func gelu(_ x: Float) -> Float { gelu(Vector(repeating: x))[0] }

    @inline(__always)
    static func gelu(_ x: Vector) -> Vector {
        x * 0.5 * (1 + errorFunction(x * 0.707_106_781_186_547_5))
    }

    // MARK: loads and stores

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    private static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
    }

    /// Loads the `count < width` floats at `pointer` into the low lanes, `padding` in the others.
    @inline(__always)
    private static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int, padding: Float) -> Vector {
        var vector = Vector(repeating: padding)
        for lane in 0..<count { vector[lane] = pointer[lane] }
        return vector
    }

    @inline(__always)
    private static func storePartial(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }

    // MARK: row operations

    /// Runs `body` over `0..<rowCount` split in two halves on two threads when there are at least
    /// `minimumRows` rows, else (or inside `Parallelism.callerThreadOnly`) on the calling thread.
    static func splittingRows(_ rowCount: Int, minimumRows: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard rowCount >= minimumRows, !Parallelism.callerThreadOnly else { return body(0..<rowCount) }
        let middle = rowCount / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            body(part == 0 ? 0..<middle : middle..<rowCount)
        }
    }

    /// `values[i] = gelu(values[i])` for `count` floats, on both cores when there are many (and `splitting`).
    static func applyGELU(_ values: UnsafeMutablePointer<Float>, count: Int, splitting: Bool = true) {
        guard splitting else { return applyGELUOnOneThread(values, count: count) }
        let shared = SharedRows(rows: values, bias: UnsafeBufferPointer(start: nil, count: 0))
        let blocks = count / width
        splittingRows(blocks, minimumRows: 4096) { range in
            let end = range.upperBound == blocks ? count : range.upperBound * width
            applyGELUOnOneThread(shared.rows + range.lowerBound * width, count: end - range.lowerBound * width)
        }
    }

    private static func applyGELUOnOneThread(_ values: UnsafeMutablePointer<Float>, count: Int) {
        if Kernels.gelu(values, count: count) { return }  // the same computation on AVX-512, where there is one
        #if DEBUG
            for index in 0..<count {
                let x = values[index]
                values[index] = x * 0.5 * (1 + erff(x * 0.707_106_781_186_547_5))
            }
        #else
            var index = 0
            while index + width <= count {
                store(gelu(load(values + index)), values + index)
                index += width
            }
            let rest = count - index
            if rest > 0 {
                storePartial(gelu(loadPartial(values + index, count: rest, padding: 0)), values + index, count: rest)
            }
        #endif
    }

    /// The sum of `count` floats, accumulated in 16 lanes.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = Vector()
        var index = 0
        while index + width <= count {
            accumulator += load(values + index)
            index += width
        }
        var total = accumulator.sum()
        while index < count {
            total += values[index]
            index += 1
        }
        return total
    }

    /// Layer normalisation of every row of `rows` in place, after adding `bias` and `residual` (each optional):
    /// `x = rows + bias + residual; rows = (x − mean) / √(variance + epsilon) · scale + shift`.
    static func normalizeRows(
        _ rows: UnsafeMutablePointer<Float>, rowCount: Int, columns: Int, adding bias: UnsafePointer<Float>?,
        residual: UnsafePointer<Float>?, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, epsilon: Float
    ) {
        for row in 0..<rowCount {
            let values = rows + row * columns
            if let bias {
                for column in 0..<columns { values[column] += bias[column] }
            }
            if let residual {
                let other = residual + row * columns
                for column in 0..<columns { values[column] += other[column] }
            }
            let mean = sum(values, count: columns) / Float(columns)
            var squares = Vector()
            var column = 0
            while column + width <= columns {
                let centred = load(values + column) - mean
                squares += centred * centred
                column += width
            }
            var variance = squares.sum()
            while column < columns {
                let centred = values[column] - mean
                variance += centred * centred
                column += 1
            }
            variance /= Float(columns)
            let inverse = 1 / (variance + epsilon).squareRoot()
            for column in 0..<columns {
                values[column] = (values[column] - mean) * inverse * scale[column] + shift[column]
            }
        }
    }

    /// Replaces every row of a row-major `rowCount × columns` matrix by its softmax.
    static func softmaxRows(_ rows: UnsafeMutablePointer<Float>, rowCount: Int, columns: Int) {
        let shared = SharedRows(rows: rows, bias: UnsafeBufferPointer(start: nil, count: 0))
        splittingRows(rowCount, minimumRows: 256) { range in
            softmaxRowsOnOneThread(shared.rows + range.lowerBound * columns, rowCount: range.count, columns: columns)
        }
    }

    private static func softmaxRowsOnOneThread(_ rows: UnsafeMutablePointer<Float>, rowCount: Int, columns: Int) {
        if Kernels.softmaxRows(rows, rowCount: rowCount, columns: columns) { return }  // AVX-512, where there is one
        #if DEBUG
            for row in 0..<rowCount {
                let values = rows + row * columns
                var maximum = -Float.infinity
                for column in 0..<columns where values[column] > maximum { maximum = values[column] }
                var total: Float = 0
                for column in 0..<columns {
                    values[column] = expf(values[column] - maximum)
                    total += values[column]
                }
                let inverse = 1 / total
                for column in 0..<columns { values[column] *= inverse }
            }
        #else
            for row in 0..<rowCount {
                let values = rows + row * columns
                var maximumVector = Vector(repeating: -.infinity)
                var column = 0
                while column + width <= columns {
                    let next = load(values + column)
                    maximumVector = select(next .> maximumVector, next, otherwise: maximumVector)
                    column += width
                }
                var maximum = maximumVector.max()
                for rest in column..<columns { maximum = max(maximum, values[rest]) }
                var totalVector = Vector()
                column = 0
                while column + width <= columns {
                    let exponentials = exponential(load(values + column) - maximum)
                    store(exponentials, values + column)
                    totalVector += exponentials
                    column += width
                }
                var total = totalVector.sum()
                let rest = columns - column
                if rest > 0 {
                    // Padding −∞ gives e^−∞ ≈ 1e-38 (the kernel's floor), negligible in the sum.
                    let exponentials = exponential(
                        loadPartial(values + column, count: rest, padding: -.infinity) - maximum)
                    storePartial(exponentials, values + column, count: rest)
                    total += exponentials.sum()
                }
                let inverse = 1 / total
                for index in 0..<columns { values[index] *= inverse }
            }
        #endif
    }
}

/// Rows handed to the two threads of `BertKernels.splittingRows`; each thread touches only its own rows.
private struct SharedRows: @unchecked Sendable {
    let rows: UnsafeMutablePointer<Float>
    let bias: UnsafeBufferPointer<Float>
}
