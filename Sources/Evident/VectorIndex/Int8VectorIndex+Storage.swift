extension Int8VectorIndex {
    /// The index file: a 24-byte header (magic, version, dimension, reserved word, vector count), each dimension's
    /// minimum and step as little-endian floats, padding to a multiple of 32 bytes, then the codes, `dimension`
    /// bytes per vector, read in place when opened.
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.reserve(64 + dimension * 8 + count * dimension)
        writer.writeVectorFileHeader(magic: IndexFileMagic.int8Vectors, dimension: dimension, count: count)
        quantizer.write(to: &writer)
        writer.align(to: 32)
        var bytes = writer.bytes
        codes.withElements { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Opens an index from the bytes `encoded()` wrote, without copying the codes.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - flat: The exact index of the same vectors, which re-scores the candidates.
    /// - Throws: `StorageError` when the bytes are not a whole int8 vector file of this format version, or do not
    ///   match `flat`'s dimension and vector count.
    init(_ bytes: ReadOnlyBytes, rescoringWith flat: FlatVectorIndex) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        let (dimension, count) = try reader.readVectorFileHeader(
            magic: IndexFileMagic.int8Vectors, kind: "int8 vector", matching: flat)
        let quantizer = try ScalarQuantizer(reading: &reader, dimension: dimension)
        let codes = try reader.readTrailingCodes(UInt8.self, rows: count, dimension: dimension)
        self.init(flat: flat, quantizer: quantizer, codes: .mapped(bytes, codes))
    }
}
