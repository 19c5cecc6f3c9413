import Dispatch
import Evident
import Synchronization

/// Embeds the queries of concurrent searches together: one pass of the encoder over many queries reads the
/// model's weights once for all of them, where one pass per query reads them once each.
///
/// A query that arrives while no batch runs starts one at once, alone: an idle server adds no wait. Queries
/// that arrive while a batch runs wait for it to end and then go together in the next one (up to
/// `maximumBatch`). A batch of `halvedBatch` queries or more is encoded in two halves, one on the lane's thread and
/// one on a helper, so that both cores work on it: the server runs OpenBLAS on one thread (see
/// `Parallelism.matrixProductThreads`), and a smaller batch already shares its layers between two threads inside
/// the encoder. A query's vector does not depend on the others in its batch but for rounding (the encoder
/// multiplies a batch with sgemm and a few rows with its own kernel), so a hybrid search's scores may differ in
/// their last digits between a quiet server and a busy one.
final class QueryEncoder: Sendable {
    private struct Waiting: Sendable {
        let text: String
        let resume: @Sendable (Result<[Float], any Error>) -> Void
    }

    private struct State {
        var waiting: [Waiting] = []
        var batchRunning = false
    }

    private let embedder: SentenceEmbedder
    private let lane: WorkerLane
    private let maximumBatch: Int
    private let state = Mutex(State())
    private let batches = Atomic(0)

    /// Encoder passes run so far (for tests: fewer than the queries when they came together).
    var batchCount: Int { batches.load(ordering: .relaxed) }

    init(embedder: SentenceEmbedder, lane: WorkerLane, maximumBatch: Int = 64) {
        self.embedder = embedder
        self.lane = lane
        self.maximumBatch = maximumBatch
    }

    /// The embedding of `text`, computed with the queries that wait with it.
    ///
    /// - Throws: `WorkerLane.Refusal.timedOut` when `timeLimit` passes first, `.busy` when the lane's queue is
    ///   full.
    func vector(for text: String, timeLimit: Duration) async throws -> [Float] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Float], any Error>) in
            let once = ResumeOnce(continuation)
            let startsBatch = state.withLock { state -> Bool in
                state.waiting.append(Waiting(text: text, resume: { once.resume(with: $0) }))
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

    /// Embeds the waiting queries, a batch at a time, until none wait.
    private func runBatches() {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let taken = Array(state.waiting.prefix(maximumBatch))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.batchRunning = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            batches.add(1, ordering: .relaxed)
            let vectors = embed(batch.map(\.text))
            for (waiting, vector) in zip(batch, vectors) { waiting.resume(.success(vector)) }
        }
    }

    /// Batches of at least this many queries are encoded in two halves at once. Below it the token rows are few
    /// enough (about 12 per query) for the encoder's own kernel, which shares each layer's weights between two
    /// threads and so reads them once for the batch; above it the encoder multiplies with sgemm on one thread.
    static let halvedBatch = 6

    /// The vectors of `texts`, computed on two threads for a large batch.
    func embed(_ texts: [String]) -> [[Float]] {
        guard texts.count >= Self.halvedBatch else { return embedder.embed(texts) }
        let middle = texts.count / 2
        let halves = [Array(texts[..<middle]), Array(texts[middle...])]
        let results = Mutex([[[Float]]](repeating: [], count: 2))
        let embedder = self.embedder
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            // Each half on its own thread only: the two are already one per core.
            let vectors = Parallelism.$callerThreadOnly.withValue(true) { embedder.embed(halves[part]) }
            results.withLock { $0[part] = vectors }
        }
        return results.withLock { $0[0] + $0[1] }
    }
}
