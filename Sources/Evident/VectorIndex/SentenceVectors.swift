/// The vector of every sentence of every passage, stored with the index so that grounding and `ask` compare a
/// claim with candidate sentences by dot products instead of running the encoder on them.
///
/// The sentences of passage `p` are rows `rows(ofPassage: p)`, in the order ``PassageSentenceSplitter`` gives
/// them. Each row is quantized on its own to 8 bits: `vector ≈ scale · codes`, with `scale = max|x| / 127`, so a
/// dot product of its `vector(row:)` with a unit query is off by about 0.0005 for MiniLM's 384 dimensions, far
/// below what separates a supporting sentence from a near miss.
public struct SentenceVectors: Sendable {
    /// The number of elements of a vector.
    public let dimension: Int
    /// Row offsets: passage `p`'s sentences are rows `offsets[p] ..< offsets[p + 1]`.
    let offsets: VectorStorage<UInt32>
    /// One scale per row.
    let scales: VectorStorage<Float>
    /// The codes, `dimension` per row.
    let codes: VectorStorage<Int8>

    /// The number of passages.
    public var passageCount: Int { offsets.withElements { $0.count } - 1 }
    /// The number of sentences.
    public var count: Int { scales.withElements { $0.count } }

    /// Quantizes `vectors`, the sentences of passage `p` being `sentenceCounts[p]` consecutive sentences.
    ///
    /// - Parameters:
    ///   - dimension: The number of elements of a vector.
    ///   - sentenceCounts: The number of sentences of each passage, in passage order.
    ///   - vectors: Row-major, `dimension` floats per row.
    ///   - rows: Sentence `i`'s row of `vectors`, so that a sentence that recurs is quantized once; `nil` when
    ///     sentence `i` is row `i`.
    /// - Precondition: every sentence has a row of `vectors`.
    init(dimension: Int, sentenceCounts: [Int], vectors: [Float], rows: [Int]? = nil) {
        precondition(dimension > 0, "dimension must be positive")
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(sentenceCounts.count + 1)
        for count in sentenceCounts { offsets.append(offsets[offsets.count - 1] + UInt32(count)) }
        let sentenceCount = Int(offsets[offsets.count - 1])
        let rowCount = vectors.count / dimension
        let rows = rows ?? Array(0..<sentenceCount)
        precondition(
            vectors.count == rowCount * dimension && rows.count == sentenceCount
                && rows.allSatisfy { (0..<rowCount).contains($0) },
            "every sentence needs a row of vectors")
        var rowScales = [Float](repeating: 0, count: rowCount)
        var rowCodes = [Int8](repeating: 0, count: rowCount * dimension)
        for row in 0..<rowCount {
            let elements = vectors[(row * dimension)..<((row + 1) * dimension)]
            let largest = elements.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
            guard largest > 0 else { continue }
            let scale = largest / 127
            rowScales[row] = scale
            for (column, value) in elements.enumerated() where value.isFinite {
                rowCodes[row * dimension + column] = Int8(max(-127, min(127, (value / scale).rounded())))
            }
        }
        var scales: [Float] = []
        var codes: [Int8] = []
        scales.reserveCapacity(sentenceCount)
        codes.reserveCapacity(sentenceCount * dimension)
        for row in rows {
            scales.append(rowScales[row])
            codes += rowCodes[(row * dimension)..<((row + 1) * dimension)]
        }
        self.init(dimension: dimension, offsets: .array(offsets), scales: .array(scales), codes: .array(codes))
    }

    init(dimension: Int, offsets: VectorStorage<UInt32>, scales: VectorStorage<Float>, codes: VectorStorage<Int8>) {
        self.dimension = dimension
        self.offsets = offsets
        self.scales = scales
        self.codes = codes
    }

    /// The rows of the sentences of passage `passage`, in order.
    public func rows(ofPassage passage: Int) -> Range<Int> {
        offsets.withElements { Int($0[passage])..<Int($0[passage + 1]) }
    }

    /// Row `row` as floats (the quantized values).
    public func vector(row: Int) -> [Float] {
        let scale = scales.withElements { $0[row] }
        return codes.withElements { codes in
            (0..<dimension).map { Float(codes[row * dimension + $0]) * scale }
        }
    }
}

extension SentenceVectors {
    /// The index file: a 24-byte header (magic, version, dimension, reserved word, sentence count), the passage
    /// count and the `passageCount + 1` row offsets as little-endian 32-bit integers, one float scale per row,
    /// padding to a multiple of 32 bytes, then the codes, `dimension` bytes per row, read in place when opened.
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.reserve(64 + (passageCount + 1) * 4 + count * (dimension + 4))
        writer.writeVectorFileHeader(magic: IndexFileMagic.sentenceVectors, dimension: dimension, count: count)
        writer.write(UInt32(passageCount))
        offsets.withElements { for offset in $0 { writer.write(offset) } }
        scales.withElements { for scale in $0 { writer.write(scale) } }
        writer.align(to: 32)
        var bytes = writer.bytes
        codes.withElements { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        return bytes
    }

    /// Opens the vectors from the bytes `encoded()` wrote, without copying the codes.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - passageCount: The index's passage count, which the file must agree with.
    /// - Throws: `StorageError` when the bytes are not a whole sentence vector file of this format version for
    ///   `passageCount` passages.
    init(_ bytes: ReadOnlyBytes, passageCount: Int) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        let (dimension, count) = try reader.readVectorFileHeader(
            magic: IndexFileMagic.sentenceVectors, kind: "sentence vector")
        let passages = Int(try reader.read(UInt32.self))
        guard passages == passageCount else {
            throw StorageError.corrupt(bytes.path, "it holds sentences of \(passages) passages, not \(passageCount)")
        }
        let offsets = try reader.readArray(of: UInt32.self, count: passages + 1)
        guard offsets.first == 0, offsets.last.map(Int.init) == count,
            zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw StorageError.corrupt(bytes.path, "its row offsets are not ordered from 0 to \(count)")
        }
        let scales = try reader.readArray(of: Float.self, count: count)
        guard scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw StorageError.corrupt(bytes.path, "a row's scale is not finite")
        }
        let codes = try reader.readTrailingCodes(Int8.self, rows: count, dimension: dimension)
        self.init(
            dimension: dimension, offsets: .mapped(bytes, offsets), scales: .mapped(bytes, scales),
            codes: .mapped(bytes, codes))
    }
}
