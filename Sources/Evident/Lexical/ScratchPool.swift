import Synchronization

/// Per-search working memory: a score for every passage and the list of passages scored.
///
/// A search takes one from the pool and gives it back with only the scores it touched reset to zero, so that
/// searching does not allocate or clear memory in proportion to the corpus.
final class SearchScratch: @unchecked Sendable {  // used by one search at a time, handed over through the pool
    let scores: UnsafeMutableBufferPointer<Float>
    /// Room for one more passage than the corpus holds: the branch-free listing stores before it counts.
    let matched: UnsafeMutableBufferPointer<Int32>
    var matchedCount = 0
    /// Whether the search lists the passages it reaches in `matched`; when not, any score may be set.
    var listsMatches = true

    init(passageCount: Int) {
        scores = .allocate(capacity: passageCount)
        scores.initialize(repeating: 0)
        matched = .allocate(capacity: passageCount + 1)
    }

    /// Clears the scores that the last search set.
    func reset() {
        if listsMatches {
            for passage in matched[0..<matchedCount] { scores[Int(passage)] = 0 }
        } else {
            scores.update(repeating: 0)
        }
        matchedCount = 0
        listsMatches = true
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
