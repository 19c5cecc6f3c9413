import HeapModule

/// Keeps the `limit` greatest matches seen so far: a min-heap whose root is the match to beat.
struct TopMatches {
    let limit: Int
    private var heap = Heap<VectorMatch>()
    /// The score a new match must exceed once the heap is full (−∞ before).
    private(set) var threshold = -Float.infinity

    init(limit: Int) {
        self.limit = max(limit, 0)
        heap.reserveCapacity(min(self.limit, 4096))
    }

    /// Offers a match; it is kept when it beats the worst one kept.
    @inline(__always)
    mutating func insert(_ match: VectorMatch) {
        guard limit > 0 else { return }
        if heap.count < limit {
            heap.insert(match)
            if heap.count == limit, let worst = heap.min { threshold = worst.score }
        } else if let worst = heap.min, match > worst {
            heap.replaceMin(with: match)
            if let worst = heap.min { threshold = worst.score }
        }
    }

    /// Offers `scores[row]` as the match of vector `firstIndex + row`, for every row.
    ///
    /// Rows are offered in increasing index order, so a score equal to the threshold never beats the worst kept
    /// match (which has a lower index) and the comparison with `threshold` alone rejects it.
    mutating func insert(scores: UnsafeBufferPointer<Float>, firstIndex: Int) {
        guard limit > 0 else { return }
        for row in scores.indices {
            let score = scores[row]
            if heap.count < limit || score > threshold {
                insert(VectorMatch(index: firstIndex + row, score: score))
            }
        }
    }

    /// Offers every match of `other`.
    mutating func merge(_ other: TopMatches) {
        for match in other.heap.unordered { insert(match) }
    }

    /// The kept matches, in no particular order.
    var unordered: [VectorMatch] { heap.unordered }

    /// The kept matches, best first.
    var sorted: [VectorMatch] { heap.unordered.sorted(by: >) }
}
