internal import CZlib
package import Foundation

/// A file read one megabyte at a time.
package struct FileChunks: ByteChunkSource {
    private let handle: FileHandle
    private let chunkSize: Int
    /// The bytes read so far.
    package private(set) var bytesRead = 0

    /// Opens `url` for reading.
    ///
    /// - Throws: The error of `FileHandle(forReadingFrom:)` when the file cannot be opened.
    package init(url: URL, chunkSize: Int = 1 << 20) throws {
        handle = try FileHandle(forReadingFrom: url)
        self.chunkSize = chunkSize
    }

    package mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        let data: Data?
        do {
            data = try handle.read(upToCount: chunkSize)
        } catch {
            throw XMLParseError(line: 0, column: 0, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let data, !data.isEmpty else {
            try? handle.close()
            return nil
        }
        bytesRead += data.count
        return [UInt8](data)
    }
}

/// The bytes of a gzip file (`.xml.gz`), inflated as they are read; members written one after another (as `cat a.gz
/// b.gz` makes them) are read as one stream, and a stream that ends before its last block is an error.
package struct GzipChunks<Compressed: ByteChunkSource>: ByteChunkSource {
    private var compressed: Compressed
    private let inflater = Inflater()
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var isInitialized = false
    private var isMemberOpen = false
    private var isDone = false
    /// The inflated bytes handed out so far.
    package private(set) var bytesInflated = 0

    /// Reads the gzip data that `compressed` yields.
    package init(_ compressed: Compressed) {
        self.compressed = compressed
    }

    /// Whether `bytes` opens with gzip's magic number.
    package static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: [0x1F, 0x8B])
    }

    package mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        guard !isDone else { return nil }
        if !isInitialized {
            // 15 + 16: a gzip header and trailer around the deflate stream, a 32 KB window.
            guard inflateInit2_(inflater.stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
            else {
                throw XMLParseError(line: 0, column: 0, reason: "zlib could not start inflating")
            }
            isInitialized = true
            inflater.isActive = true
        }
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var produced = 0
        while produced == 0 {
            if inputOffset == input.count {
                guard let chunk = try compressed.nextChunk() else {
                    finish()
                    if isMemberOpen {
                        throw XMLParseError(
                            line: 0, column: 0, reason: "the gzip stream ends early (is the file truncated?)")
                    }
                    return nil
                }
                input = chunk
                inputOffset = 0
                continue
            }
            let stream = inflater.stream
            var consumed = 0
            let status: Int32 = input.withUnsafeMutableBufferPointer { [inputOffset] inputBytes in
                output.withUnsafeMutableBufferPointer { outputBytes in
                    guard let inputStart = inputBytes.baseAddress, let outputStart = outputBytes.baseAddress else {
                        return Z_STREAM_ERROR
                    }
                    stream.pointee.next_in = inputStart + inputOffset
                    stream.pointee.avail_in = UInt32(inputBytes.count - inputOffset)
                    stream.pointee.next_out = outputStart
                    stream.pointee.avail_out = UInt32(outputBytes.count)
                    let status = inflate(stream, Z_NO_FLUSH)
                    consumed = inputBytes.count - inputOffset - Int(stream.pointee.avail_in)
                    produced = outputBytes.count - Int(stream.pointee.avail_out)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return status
                }
            }
            inputOffset += consumed
            switch status {
            case Z_OK, Z_BUF_ERROR:
                isMemberOpen = true
            case Z_STREAM_END:
                isMemberOpen = false
                inflateReset(inflater.stream)
            default:
                finish()
                let message = inflater.stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw XMLParseError(line: 0, column: 0, reason: "the gzip data is damaged (\(message))")
            }
        }
        output.removeSubrange(produced...)
        bytesInflated += produced
        return output
    }

    /// zlib's stream state, which must not move in memory between calls (zlib checks that it did not).
    private final class Inflater {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        var isActive = false

        init() { stream.initialize(to: z_stream()) }

        deinit {
            if isActive { inflateEnd(stream) }
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    private mutating func finish() {
        if isInitialized { inflateEnd(inflater.stream) }
        inflater.isActive = false
        isInitialized = false
        isDone = true
    }
}
