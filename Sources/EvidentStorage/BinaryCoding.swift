/// Appends little-endian integers, floats and length-prefixed strings to a byte buffer.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    /// An empty buffer.
    package init() {}

    package var count: Int { bytes.count }

    package mutating func reserve(_ capacity: Int) { bytes.reserveCapacity(capacity) }

    package mutating func write<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func write(_ value: Float) { write(value.bitPattern) }

    package mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    package mutating func write(_ strings: [String]) {
        write(UInt32(strings.count))
        for string in strings { write(string) }
    }

    package mutating func write<Integer: FixedWidthInteger>(contentsOf values: [Integer]) {
        for value in values { write(value) }
    }

    /// Pads with zeros until `count` is a multiple of `alignment`.
    package mutating func align(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

/// Reads what `ByteWriter` wrote, checking every read against the end of the buffer.
///
/// A read past the end throws instead of trapping, so a truncated or damaged file is refused with an error.
package struct ByteReader {
    package let bytes: UnsafeRawBufferPointer
    package let path: String
    package private(set) var offset: Int

    package init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    package var isAtEnd: Bool { offset == bytes.count }

    private func require(_ count: Int) throws(StorageError) {
        guard count >= 0, offset <= bytes.count - count else {
            throw StorageError.corrupt(path, "needed \(count) bytes at offset \(offset) of \(bytes.count)")
        }
    }

    package mutating func read<Integer: FixedWidthInteger>(_: Integer.Type = Integer.self) throws(StorageError)
        -> Integer
    {
        try require(MemoryLayout<Integer>.size)
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self)
        offset += MemoryLayout<Integer>.size
        return Integer(littleEndian: value)
    }

    package mutating func readFloat() throws(StorageError) -> Float {
        Float(bitPattern: try read(UInt32.self))
    }

    package mutating func readCount(limit: Int? = nil) throws(StorageError) -> Int {
        let count = Int(try read(UInt32.self))
        guard count <= (limit ?? bytes.count - offset) else {
            throw StorageError.corrupt(path, "count \(count) at offset \(offset - 4) is impossible")
        }
        return count
    }

    package mutating func readString() throws(StorageError) -> String {
        let length = try readCount()
        try require(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        guard let string = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw StorageError.corrupt(path, "invalid UTF-8 at offset \(offset - length)")
        }
        return string
    }

    package mutating func readStrings() throws(StorageError) -> [String] {
        let count = try readCount()
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count { strings.append(try readString()) }
        return strings
    }

    /// Returns a view of the next `count` elements of `Element` and moves past them; the offset must be aligned.
    package mutating func readArray<Element>(of _: Element.Type, count: Int) throws(StorageError)
        -> UnsafeBufferPointer<
            Element
        >
    {
        let byteCount = count * MemoryLayout<Element>.stride
        try require(byteCount)
        guard offset % MemoryLayout<Element>.alignment == 0 else {
            throw StorageError.corrupt(path, "misaligned array at offset \(offset)")
        }
        let start = bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Element.self) }
        offset += byteCount
        return UnsafeBufferPointer(start: start, count: count)
    }

    package mutating func skip(toAlignment alignment: Int) throws(StorageError) {
        let padding = (alignment - offset % alignment) % alignment
        try require(padding)
        offset += padding
    }
}
