import Synchronization

/// Per-search working memory: a score for every passage and the list of passages scored.
///
/// A search takes one from the pool and gives it back with only the scores it touched reset to zero, so that
/// searching does not allocate or clear memory in proportion to the corpus.
final class SearchScratch: @unchecked Sendable {  // used by one search at a time, handed over through the pool
    let scores: UnsafeMutableBufferPointer<Float>
    let matched: UnsafeMutableBufferPointer<Int32>
    var matchedCount = 0

    init(passageCount: Int) {
        scores = .allocate(capacity: passageCount)
        scores.initialize(repeating: 0)
        matched = .allocate(capacity: passageCount)
    }

    /// Clears the scores that the last search set.
    func reset() {
        for passage in matched[0..<matchedCount] { scores[Int(passage)] = 0 }
        matchedCount = 0
    }

    deinit {
        scores.deallocate()
        matched.deallocate()
    }
}

/// A thread-safe stack of `SearchScratch` buffers; concurrent searches each get their own.
final class ScratchPool: Sendable {
    private let free = Mutex<[SearchScratch]>([])

    func acquire(passageCount: Int) -> SearchScratch {
        free.withLock { $0.popLast() } ?? SearchScratch(passageCount: passageCount)
    }

    func release(_ scratch: SearchScratch) {
        scratch.reset()
        free.withLock { pool in
            if pool.count < 16 { pool.append(scratch) }
        }
    }
}
