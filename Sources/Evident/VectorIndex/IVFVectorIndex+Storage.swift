extension IVFVectorIndex {
    /// The index file: a 24-byte header (magic, version, dimension, reserved word, vector count), the list count
    /// (8 bytes), each dimension's minimum and step as little-endian floats, each list's first row (list count + 1
    /// eight-byte integers, the last one the vector count), padding to 32 bytes, the centroids as floats, the
    /// members (4 bytes each, the position of each row's vector in the flat index), padding to 32 bytes, then the
    /// codes, `dimension` bytes a row; the centroids, members and codes are read in place when opened.
    package func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.reserve(128 + (listCount + 2) * 8 + listCount * dimension * 4 + count * (dimension + 4))
        writer.writeVectorFileHeader(magic: IndexFileMagic.ivfVectors, dimension: dimension, count: count)
        writer.write(UInt64(listCount))
        quantizer.write(to: &writer)
        for start in listStarts { writer.write(UInt64(start)) }
        writer.align(to: 32)
        var bytes = writer.bytes
        centroids.storage.withElements { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        members.withElements { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        bytes.append(contentsOf: [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32))
        codes.withElements { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Opens an index from the bytes `encoded()` wrote, without copying the centroids, members or codes.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - flat: The exact index of the same vectors, which re-scores the candidates.
    /// - Throws: `StorageError` when the bytes are not a whole IVF file of this format version, its lists do not
    ///   cover every vector once, or it does not match `flat`'s dimension and vector count.
    init(_ bytes: ReadOnlyBytes, rescoringWith flat: FlatVectorIndex) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        let (dimension, count) = try reader.readVectorFileHeader(
            magic: IndexFileMagic.ivfVectors, kind: "IVF vector", matching: flat)
        let listCount = try reader.read(UInt64.self)
        guard listCount >= 1, listCount <= UInt64(max(count, 1)) else {
            throw StorageError.corrupt(bytes.path, "\(listCount) lists for \(count) vectors")
        }
        let lists = Int(listCount)
        let quantizer = try ScalarQuantizer(reading: &reader, dimension: dimension)
        _ = try reader.checkedElementCount(rows: lists + 1, dimension: 1, elementSize: 8)
        var listStarts: [Int] = []
        listStarts.reserveCapacity(lists + 1)
        for _ in 0...lists {
            let start = try reader.read(UInt64.self)
            guard start <= UInt64(count), start >= UInt64(listStarts.last ?? 0) else {
                throw StorageError.corrupt(bytes.path, "list \(listStarts.count) starts at row \(start)")
            }
            listStarts.append(Int(start))
        }
        guard listStarts.first == 0, listStarts.last == count else {
            throw StorageError.corrupt(
                bytes.path, "the lists hold rows \(listStarts[0])..<\(listStarts[lists]), not 0..<\(count)")
        }
        try reader.skip(toAlignment: 32)
        let centroidCount = try reader.checkedElementCount(rows: lists, dimension: dimension, elementSize: 4)
        let centroids = try reader.readArray(of: Float.self, count: centroidCount)
        let members = try reader.readArray(of: UInt32.self, count: count)
        // Each vector once: a member outside the flat index would read past it.
        var seen = [Bool](repeating: false, count: count)
        for member in members {
            guard Int(member) < count, !seen[Int(member)] else {
                throw StorageError.corrupt(bytes.path, "vector \(member) is listed twice or does not exist")
            }
            seen[Int(member)] = true
        }
        let codes = try reader.readTrailingCodes(UInt8.self, rows: count, dimension: dimension)
        self.init(
            flat: flat,
            centroids: FlatVectorIndex(dimension: dimension, count: lists, storage: .mapped(bytes, centroids)),
            listStarts: listStarts, members: .mapped(bytes, members),
            quantizer: quantizer, codes: .mapped(bytes, codes))
    }
}
