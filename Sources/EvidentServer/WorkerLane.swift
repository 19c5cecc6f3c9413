import Dispatch
import Evident
import Foundation
import Synchronization

/// Threads of their own for the engine's CPU-bound work, so that it never occupies the threads that read and
/// write connections (SwiftNIO's event loops) or Swift's cooperative pool.
///
/// Lanes that share a `CoreShare` run each job in one of its slots, so that searches keep priority over groundings
/// inside the process without lowering any thread's priority in the system.
///
/// A request's work waits in a queue until a thread is free. A request that waits longer than its time limit
/// is answered with 503 and its work is dropped before it starts; work that has started runs to its end (the
/// engine's calls cannot be interrupted), but its caller has already been answered. When the queue is full,
/// new work is refused at once.
final class WorkerLane: Sendable {
    /// Why work did not run.
    enum Refusal: Error, Equatable {
        /// The time limit passed before the work finished.
        case timedOut
        /// The queue was full.
        case busy
    }

    private struct Job: Sendable {
        let run: @Sendable () -> Void
        let isAbandoned: @Sendable () -> Bool
    }

    private struct State {
        var jobs: [Job] = []
        var head = 0
        var stopping = false
        var count: Int { jobs.count - head }
    }

    let name: String
    private let capacity: Int
    private let state = Mutex(State())
    private let condition = NSCondition()

    /// The lane's threads.
    let threadCount: Int
    /// The kind of work the lane runs, and the share of the cores it runs in (`nil`: no share).
    let workClass: WorkClass
    private let share: CoreShare?

    /// Starts `threadCount` threads for work of `workClass`. With a `share`, each job waits for a slot of it; the
    /// work of a grounding lane then stays on its own threads (`Parallelism.callerThreadOnly`), so that it uses no
    /// more cores than the slots it holds.
    init(name: String, threadCount: Int, workClass: WorkClass = .search, share: CoreShare? = nil, capacity: Int) {
        precondition(threadCount > 0, "a lane needs at least one thread")
        self.name = name
        self.threadCount = threadCount
        self.workClass = workClass
        self.share = share
        self.capacity = capacity
        let staysOnItsThreads = share != nil && workClass == .grounding
        for number in 0..<threadCount {
            let thread = Thread { [self] in
                // Named from inside: on Linux a name given before the start does not reach the system's thread,
                // which `top -H` and debuggers show.
                Thread.current.name = "\(name)-\(number)"
                Parallelism.$callerThreadOnly.withValue(staysOnItsThreads) { self.work() }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `work` on one of the lane's threads and returns its result, or throws `Refusal` when the queue is full
    /// or `timeLimit` passes first.
    func run<Value: Sendable>(timeLimit: Duration, _ work: @escaping @Sendable () throws -> Value) async throws
        -> Value
    {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let once = ResumeOnce(continuation)
            let job = Job(
                run: { once.resume(with: Result { try work() }) },
                isAbandoned: { once.isResumed })
            guard enqueue(job) else {
                once.resume(with: .failure(Refusal.busy))
                return
            }
            once.resume(throwing: Refusal.timedOut, after: timeLimit)
        }
    }

    /// Queues `work` without a time limit or a result; returns false when the queue is full.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        enqueue(Job(run: work, isAbandoned: { false }))
    }

    /// Work waiting for a thread.
    var queued: Int { state.withLock { $0.count } }

    /// Lets the threads finish the queued work and end.
    func stop() {
        state.withLock { $0.stopping = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(_ job: Job) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping, state.count < capacity else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted {
            condition.lock()
            condition.signal()
            condition.unlock()
        }
        return accepted
    }

    private func next() -> Job? {
        state.withLock { state -> Job? in
            guard state.count > 0 else { return nil }
            let job = state.jobs[state.head]
            state.head += 1
            if state.head > 1024, state.head * 2 > state.jobs.count {
                state.jobs.removeFirst(state.head)
                state.head = 0
            }
            return job
        }
    }

    private func work() {
        while true {
            condition.lock()
            var job = next()
            while job == nil {
                if state.withLock({ $0.stopping }) {
                    condition.unlock()
                    return
                }
                condition.wait()
                job = next()
            }
            condition.unlock()
            guard let job, !job.isAbandoned() else { continue }
            guard let share else {
                job.run()
                continue
            }
            // Its time may run out while it waits for a slot: then it has had its 503, and is dropped too.
            share.run(workClass) { if !job.isAbandoned() { job.run() } }
        }
    }
}

/// Resumes a continuation the first time it is asked to, and ignores later requests.
final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    var isResumed: Bool { continuation.withLock { $0 == nil } }

    func resume(with result: Result<Value, any Error>) {
        let pending = continuation.withLock { stored -> CheckedContinuation<Value, any Error>? in
            defer { stored = nil }
            return stored
        }
        pending?.resume(with: result)
    }

    /// Resumes with `error` once `delay` has passed, unless something resumed first.
    func resume(throwing error: any Error, after delay: Duration) {
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
            self.resume(with: .failure(error))
        }
    }
}
