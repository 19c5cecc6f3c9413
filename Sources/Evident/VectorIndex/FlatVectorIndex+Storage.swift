extension FlatVectorIndex {
    /// The index file: a 24-byte header (magic, version, dimension, reserved word, vector count), padding to 32
    /// bytes, then the vectors as little-endian floats, read in place when opened.
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.reserve(32 + count * dimension * 4)
        writer.writeVectorFileHeader(magic: IndexFileMagic.flatVectors, dimension: dimension, count: count)
        writer.align(to: 32)
        var bytes = writer.bytes
        // Floats are stored in the host's order, which, as everywhere in the index files, is little-endian.
        storage.withElements { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        return bytes
    }

    /// Opens an index from the bytes `encoded()` wrote, without copying the vectors.
    ///
    /// - Throws: `StorageError` when the bytes are not a whole flat vector file of this format version.
    init(_ bytes: ReadOnlyBytes) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        let (dimension, count) = try reader.readVectorFileHeader(magic: IndexFileMagic.flatVectors, kind: "flat vector")
        try reader.skip(toAlignment: 32)
        let elementCount = try reader.checkedElementCount(rows: count, dimension: dimension, elementSize: 4)
        let vectors = try reader.readArray(of: Float.self, count: elementCount)
        guard reader.isAtEnd else {
            throw StorageError.corrupt(bytes.path, "\(reader.bytes.count - reader.offset) bytes after the vectors")
        }
        self.init(dimension: dimension, count: count, storage: .mapped(bytes, vectors))
    }
}

extension ByteReader {
    /// Returns `rows · dimension` when that many elements of `elementSize` bytes fit in what remains.
    func checkedElementCount(rows: Int, dimension: Int, elementSize: Int) throws(StorageError) -> Int {
        let (elements, overflow) = rows.multipliedReportingOverflow(by: dimension)
        guard !overflow, elements <= (bytes.count - offset) / elementSize else {
            throw StorageError.corrupt(
                path, "\(rows) vectors of \(dimension) elements do not fit in \(bytes.count - offset) bytes")
        }
        return elements
    }
}
