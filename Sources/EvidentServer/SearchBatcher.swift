import Dispatch
import Evident
import Synchronization

/// Runs the dense and hybrid searches that arrive together as one batch (`Retriever.search(batch:)`): one encoder
/// pass embeds all their queries, reading the model's weights once for all of them, and one pass over the index
/// scores all their vectors, reading each passage vector once.
///
/// A search that arrives while no batch runs starts one at once, alone: an idle server adds no wait. Searches that
/// arrive while a batch runs wait for it to end and then go together in the next one (up to `maximumBatch`). A
/// batch of `halvedBatch` searches or more runs in two halves, one on the lane's thread and one on a helper, so
/// that both cores work on it: the server runs OpenBLAS on one thread (see `Parallelism.matrixProductThreads`),
/// and a smaller batch already shares its layers between two threads inside the encoder. A query's vector does not
/// depend on the others in its batch but for rounding (the encoder multiplies a batch with sgemm and a few rows
/// with its own kernel), so a hybrid search's scores may differ in their last digits between a quiet server and a
/// busy one.
final class SearchBatcher: Sendable {
    private struct Waiting: Sendable {
        let query: Retriever.BatchQuery
        let resume: @Sendable (Result<[SearchResult], any Error>) -> Void
        /// Whether the search was answered already (its time ran out while it waited).
        let isAbandoned: @Sendable () -> Bool
    }

    private struct State {
        var waiting: [Waiting] = []
        var batchRunning = false
    }

    private let retriever: Retriever
    private let lane: WorkerLane
    private let maximumBatch: Int
    private let state = Mutex(State())
    private let batches = Atomic(0)

    /// Batches run so far (for tests: fewer than the searches when they came together).
    var batchCount: Int { batches.load(ordering: .relaxed) }

    init(retriever: Retriever, lane: WorkerLane, maximumBatch: Int = 64) {
        self.retriever = retriever
        self.lane = lane
        self.maximumBatch = maximumBatch
    }

    /// The results of `query`, searched with the queries that wait with it.
    ///
    /// - Throws: `WorkerLane.Refusal.timedOut` when `timeLimit` passes first, `.busy` when the lane's queue is
    ///   full; the retriever's errors.
    func search(_ query: Retriever.BatchQuery, timeLimit: Duration) async throws -> [SearchResult] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[SearchResult], any Error>) in
            let once = ResumeOnce(continuation)
            let startsBatch = state.withLock { state -> Bool in
                state.waiting.append(
                    Waiting(query: query, resume: { once.resume(with: $0) }, isAbandoned: { once.isResumed }))
                guard !state.batchRunning else { return false }
                state.batchRunning = true
                return true
            }
            if startsBatch, !lane.submit({ self.runBatches() }) {
                let refused = state.withLock { state -> [Waiting] in
                    defer {
                        state.waiting = []
                        state.batchRunning = false
                    }
                    return state.waiting
                }
                for waiting in refused { waiting.resume(.failure(WorkerLane.Refusal.busy)) }
                return
            }
            once.resume(throwing: WorkerLane.Refusal.timedOut, after: timeLimit)
        }
    }

    /// Runs the waiting searches, a batch at a time, until none wait. Searches whose time ran out while they
    /// waited have had their answer (503) and are dropped.
    private func runBatches() {
        while true {
            let taken = state.withLock { state -> [Waiting] in
                let taken = Array(state.waiting.prefix(maximumBatch))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.batchRunning = false }
                return taken
            }
            guard !taken.isEmpty else { return }
            let batch = taken.filter { !$0.isAbandoned() }
            guard !batch.isEmpty else { continue }
            batches.add(1, ordering: .relaxed)
            for (waiting, results) in zip(batch, run(batch.map(\.query))) { waiting.resume(results) }
        }
    }

    /// Batches of at least this many searches run in two halves at once. Below it the token rows are few enough
    /// (about 12 per query) for the encoder's own kernel, which shares each layer's weights between two threads
    /// and so reads them once for the batch; above it the encoder multiplies with sgemm on one thread.
    static let halvedBatch = 6

    /// Each query's results, computed on two threads for a large batch.
    func run(_ queries: [Retriever.BatchQuery]) -> [Result<[SearchResult], any Error>] {
        let retriever = self.retriever
        /// One result per query of `part`: its results, or the error that stopped the part.
        @Sendable func search(_ part: [Retriever.BatchQuery]) -> [Result<[SearchResult], any Error>] {
            do {
                return try retriever.search(batch: part).map { .success($0) }
            } catch {
                return part.map { _ in .failure(error) }
            }
        }
        guard queries.count >= Self.halvedBatch else {
            // The encoder shares a small batch's layers between two threads; the vector search does too.
            return search(
                queries.map { query in
                    var query = query
                    query.options.threadCount = max(query.options.threadCount, lane.threadCount)
                    return query
                })
        }
        let middle = queries.count / 2
        let halves = [Array(queries[..<middle]), Array(queries[middle...])]
        let results = Mutex([[Result<[SearchResult], any Error>]](repeating: [], count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            // Each half on its own thread only: the two are already one per core.
            let found = Parallelism.$callerThreadOnly.withValue(true) { search(halves[part]) }
            results.withLock { $0[part] = found }
        }
        return results.withLock { $0[0] + $0[1] }
    }
}
