import Dispatch

extension Array where Element: Sendable {
    /// Returns `transform` applied to every element, computed on all cores, in the original order.
    package func concurrentMap<Result: Sendable>(_ transform: @Sendable (Element) throws -> Result) rethrows -> [Result]
    {
        let results = UnsafeMutableBufferPointer<Swift.Result<Result, any Error>?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()  // releases the stored results
            results.deallocate()
        }
        let slots = ConcurrentSlots(buffer: results)
        self.withUnsafeBufferPointer { elements in
            let input = ConcurrentInput(buffer: elements)
            DispatchQueue.concurrentPerform(iterations: input.buffer.count) { index in
                slots.buffer[index] = Swift.Result { try transform(input.buffer[index]) }
            }
        }
        return try results.map { try $0.unsafelyUnwrapped.get() }
    }
}

/// The result slots of `concurrentMap`: each iteration writes only its own index.
private struct ConcurrentSlots<Element>: @unchecked Sendable {
    package let buffer: UnsafeMutableBufferPointer<Element>
}

/// The input of `concurrentMap`, read-only while the iterations run.
private struct ConcurrentInput<Element>: @unchecked Sendable {
    package let buffer: UnsafeBufferPointer<Element>
}
