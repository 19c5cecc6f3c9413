#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Read-only bytes of an index file: memory-mapped from disk, or copied from a buffer built in memory.
///
/// The memory lives as long as the object; views handed out by `bytes` must not outlive it.
package final class ReadOnlyBytes: @unchecked Sendable {
    package let path: String
    package let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?
    private let isMapped: Bool

    /// Copies `contents` into memory aligned for any scalar type; `path` names it in errors.
    package init(copying contents: [UInt8], path: String) {
        self.path = path
        isMapped = false
        let address = UnsafeMutableRawPointer.allocate(byteCount: max(contents.count, 1), alignment: 16)
        contents.withUnsafeBytes { source in
            if let start = source.baseAddress { address.copyMemory(from: start, byteCount: source.count) }
        }
        base = address
        bytes = UnsafeRawBufferPointer(start: address, count: contents.count)
    }

    /// Maps the file at `path`.
    ///
    /// - Throws: `StorageError` when the file cannot be opened, measured or mapped.
    package init(mapping path: String) throws(StorageError) {
        self.path = path
        isMapped = true
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw StorageError.unreadable(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StorageError.unreadable(
                path: path, reason: "cannot read its size: \(String(cString: strerror(errno)))")
        }
        let size = Int(status.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw StorageError.unreadable(
                path: path, reason: "cannot map into memory: \(String(cString: strerror(errno)))")
        }
        base = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        guard let base else { return }
        if isMapped { munmap(base, bytes.count) } else { base.deallocate() }
    }
}
