import Synchronization

/// Reusable scratch memory for the kernels that need some per call (the low-precision linear layers' quantized
/// rows): a few buffers kept between calls, so that a batch does not map and clear fresh pages for each layer (for
/// an indexing batch that was 15 % of the encoder's time, in the kernel's page clearing).
///
/// Each `withBuffer` call has a buffer to itself; concurrent calls get different ones.
package enum ScratchMemory {
    /// A buffer and its size.
    private final class Buffer: @unchecked Sendable {  // used by one call at a time, handed over through the pool
        let memory: UnsafeMutableRawBufferPointer

        init(byteCount: Int) { memory = .allocate(byteCount: byteCount, alignment: 64) }

        deinit { memory.deallocate() }
    }

    /// The buffers not in use, largest first; at most `keptCount`.
    private static let free = Mutex<[Buffer]>([])
    private static let keptCount = 4

    /// Calls `body` with at least `byteCount` bytes of memory (contents undefined) that no other call uses meanwhile.
    package static func withBuffer<Result>(
        byteCount: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        let needed = max(byteCount, 64)
        let kept = free.withLock { buffers -> Buffer? in
            guard let index = buffers.lastIndex(where: { $0.memory.count >= needed }) else { return nil }
            return buffers.remove(at: index)
        }
        // A new buffer a quarter larger than asked, so that slowly growing batches do not allocate each time.
        let buffer = kept ?? Buffer(byteCount: needed + needed / 4)
        defer {
            free.withLock { buffers in
                buffers.append(buffer)
                buffers.sort { $0.memory.count > $1.memory.count }
                if buffers.count > keptCount { buffers.removeLast(buffers.count - keptCount) }
            }
        }
        return try body(UnsafeMutableRawBufferPointer(rebasing: buffer.memory[0..<needed]))
    }
}
