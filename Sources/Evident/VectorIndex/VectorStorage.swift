/// Row-major elements of a vector index: an array built in memory, or a view into index file bytes.
///
/// `@unchecked Sendable` because the view points into raw memory that `ReadOnlyBytes` owns and never changes.
enum VectorStorage<Element>: @unchecked Sendable {
    case array([Element])
    case mapped(ReadOnlyBytes, UnsafeBufferPointer<Element>)

    /// Calls `body` with the elements; the buffer must not escape.
    func withElements<Result>(_ body: (UnsafeBufferPointer<Element>) throws -> Result) rethrows -> Result {
        switch self {
        case .array(let elements): try elements.withUnsafeBufferPointer(body)
        case .mapped(_, let view): try body(view)
        }
    }
}

extension ByteReader {
    /// Reads and checks a vector file's magic and version, then its dimension and vector count.
    mutating func readVectorFileHeader(magic: UInt32, kind: String) throws(StorageError) -> (
        dimension: Int, count: Int
    ) {
        guard try read(UInt32.self) == magic else { throw StorageError.corrupt(path, "not a \(kind) file") }
        let version = try read(UInt32.self)
        guard version == IndexFileMagic.version else {
            throw StorageError.corrupt(path, "\(kind) format version \(version) is not \(IndexFileMagic.version)")
        }
        let dimension = Int(try read(UInt32.self))
        _ = try read(UInt32.self)  // reserved
        let count = try read(UInt64.self)
        guard dimension > 0, count <= UInt64(Int32.max) else {
            throw StorageError.corrupt(path, "\(kind) has dimension \(dimension) and \(count) vectors")
        }
        return (dimension, Int(count))
    }

    /// Reads what ends a file of codes: padding to 32 bytes, then `rows` rows of `dimension` one-byte codes, and
    /// nothing after them.
    ///
    /// - Throws: `StorageError` when the codes are cut short or bytes follow them.
    mutating func readTrailingCodes<Code>(_: Code.Type, rows: Int, dimension: Int) throws(StorageError)
        -> UnsafeBufferPointer<Code>
    {
        try skip(toAlignment: 32)
        let elementCount = try checkedElementCount(rows: rows, dimension: dimension, elementSize: 1)
        let codes = try readArray(of: Code.self, count: elementCount)
        guard isAtEnd else { throw StorageError.corrupt(path, "\(bytes.count - offset) bytes after the codes") }
        return codes
    }

    /// Reads a vector file's header, as `readVectorFileHeader(magic:kind:)`, for a file of the same vectors as
    /// `flat` (a quantized or clustered copy that re-scores with it).
    ///
    /// - Throws: `StorageError` when the header is wrong or its dimension or count differ from `flat`'s.
    mutating func readVectorFileHeader(magic: UInt32, kind: String, matching flat: FlatVectorIndex)
        throws(StorageError) -> (dimension: Int, count: Int)
    {
        let (dimension, count) = try readVectorFileHeader(magic: magic, kind: kind)
        guard dimension == flat.dimension, count == flat.count else {
            throw StorageError.corrupt(
                path,
                "\(count) vectors of \(dimension) elements, but the flat index has \(flat.count) of \(flat.dimension)")
        }
        return (dimension, count)
    }
}

extension ByteWriter {
    /// Writes a vector file's magic, version, dimension and vector count: 20 bytes.
    mutating func writeVectorFileHeader(magic: UInt32, dimension: Int, count: Int) {
        write(magic)
        write(IndexFileMagic.version)
        write(UInt32(dimension))
        write(UInt32(0))  // reserved
        write(UInt64(count))
    }
}
