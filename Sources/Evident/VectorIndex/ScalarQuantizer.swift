/// Codes each dimension of a set of vectors in 8 bits on that dimension's own range, and scores such codes against
/// a query with AVX-512 VNNI's unsigned-by-signed 8-bit products.
///
/// `value ≈ minimum[d] + step[d] · code` with an unsigned 8-bit `code`, where `step[d] = (maximum[d] − minimum[d]) /
/// 255`. For a query *x*, a vector's inner product is then `Σ x[d] · minimum[d] + Σ code[d] · (x[d] · step[d])`: the
/// first sum is the same for every vector, so a ranking only needs the second, and `x[d] · step[d]` is itself coded
/// in signed 8 bits with one scale per query. A per-dimension range suits sentence embeddings, whose dimensions
/// spread very differently (a few carry most of the norm); a per-vector scale would spend the 8 bits of every
/// dimension on the widest one.
struct ScalarQuantizer: Sendable {
    /// Each dimension's smallest value.
    let minimums: [Float]
    /// Each dimension's quantization step; 0 where every vector has the same value.
    let steps: [Float]

    var dimension: Int { minimums.count }

    init(minimums: [Float], steps: [Float]) {
        precondition(minimums.count == steps.count, "\(minimums.count) minimums for \(steps.count) steps")
        self.minimums = minimums
        self.steps = steps
    }

    /// Fits each dimension's range to `count` row-major vectors of `dimension` elements.
    init(fitting vectors: UnsafeBufferPointer<Float>, count: Int, dimension: Int) {
        var minimums = [Float](repeating: count == 0 ? 0 : .infinity, count: dimension)
        var maximums = [Float](repeating: count == 0 ? 0 : -.infinity, count: dimension)
        for row in 0..<count {
            for column in 0..<dimension {
                let value = vectors[row * dimension + column]
                minimums[column] = min(minimums[column], value)
                maximums[column] = max(maximums[column], value)
            }
        }
        for column in 0..<dimension where !(minimums[column].isFinite && maximums[column].isFinite) {
            (minimums[column], maximums[column]) = (0, 0)  // a dimension with NaN or infinity gets one code
        }
        self.init(minimums: minimums, steps: zip(minimums, maximums).map { ($1 - $0) / 255 })
    }

    /// Writes the codes of one vector.
    func encode(_ vector: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>) {
        for column in 0..<dimension {
            guard steps[column] > 0 else {
                codes[column] = 0
                continue
            }
            let level = ((vector[column] - minimums[column]) / steps[column]).rounded()
            codes[column] = UInt8(min(max(level, 0), 255))
        }
    }

    /// A query coded for the 8-bit kernel: `x[d] · step[d]` rounded to signed 8 bits on one scale.
    func quantize(_ query: [Float]) -> [Int8] {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        let scaled = zip(query, steps).map { $0 * $1 }
        let largest = scaled.reduce(0) { max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return [Int8](repeating: 0, count: dimension) }
        let factor = 127 / largest
        return scaled.map { Int8(($0 * factor).rounded()) }
    }

    /// Scores `rows` of `codes` (row-major, `dimension` bytes a vector) against a coded query, a block at a time,
    /// and offers each to `top` as the match of its row number.
    ///
    /// - Parameters:
    ///   - codes: The codes of every row.
    ///   - rows: The rows scored.
    ///   - dimension: The bytes of a row.
    ///   - query: The query as `quantize(_:)` codes it.
    ///   - top: Receives each row's score as the match of its row number.
    ///   - scratch: Room for the integer and float scores of one block; a block is as long as the shorter.
    ///   - keeps: When given, only the rows it accepts are offered.
    static func offer(
        codes: UnsafeBufferPointer<UInt8>, rows: Range<Int>, dimension: Int, query: UnsafeBufferPointer<Int8>,
        to top: inout TopMatches, scratch: (UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>),
        keeping keeps: ((Int) -> Bool)? = nil
    ) {
        let (integers, scores) = scratch
        let blockRows = min(integers.count, scores.count)
        precondition(blockRows > 0, "scoring codes needs scratch room")
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + blockRows, rows.upperBound)
            Kernels.innerProducts(
                codes: UnsafeBufferPointer(rebasing: codes[(start * dimension)..<(end * dimension)]), rows: end - start,
                dimension: dimension, query: query, into: integers)
            if let keeps {
                for row in 0..<(end - start) where keeps(start + row) {
                    top.insert(VectorMatch(index: start + row, score: Float(integers[row])))
                }
            } else {
                for row in 0..<(end - start) { scores[row] = Float(integers[row]) }
                top.insert(scores: UnsafeBufferPointer(rebasing: scores[0..<(end - start)]), firstIndex: start)
            }
            start = end
        }
    }
}

extension ScalarQuantizer {
    /// Writes each dimension's minimum, then each one's step, as little-endian floats.
    func write(to writer: inout ByteWriter) {
        for minimum in minimums { writer.write(minimum) }
        for step in steps { writer.write(step) }
    }

    /// Reads what `write(to:)` wrote for vectors of `dimension` elements.
    ///
    /// - Throws: `StorageError` when the bytes are short or a range is not finite.
    init(reading reader: inout ByteReader, dimension: Int) throws(StorageError) {
        _ = try reader.checkedElementCount(rows: 2, dimension: dimension, elementSize: 4)
        var minimums: [Float] = []
        var steps: [Float] = []
        minimums.reserveCapacity(dimension)
        steps.reserveCapacity(dimension)
        for _ in 0..<dimension { minimums.append(try reader.readFloat()) }
        for _ in 0..<dimension { steps.append(try reader.readFloat()) }
        guard minimums.allSatisfy(\.isFinite), steps.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw StorageError.corrupt(reader.path, "a quantization range is not finite")
        }
        self.init(minimums: minimums, steps: steps)
    }
}
