import HeapModule

/// Keeps the `limit` greatest elements seen so far in a min-heap.
struct BoundedTopK<Element: Comparable> {
    let limit: Int
    private var heap = Heap<Element>()

    init(limit: Int) {
        precondition(limit >= 0, "limit must not be negative")
        self.limit = limit
    }

    var count: Int { heap.count }

    /// The smallest element kept, which a newcomer must beat once the heap is full.
    var threshold: Element? { heap.count < limit ? nil : heap.min }

    mutating func insert(_ element: Element) {
        guard limit > 0 else { return }
        if heap.count < limit {
            heap.insert(element)
        } else if let worst = heap.min, worst < element {
            _ = heap.replaceMin(with: element)
        }
    }

    /// The kept elements, greatest first.
    func sortedDescending() -> [Element] { heap.unordered.sorted(by: >) }
}
