import CEvidentKernels
import Dispatch
import Evident
import Foundation
import Synchronization

/// Threads of their own for the engine's CPU-bound work, so that it never occupies the threads that read and
/// write connections (SwiftNIO's event loops) or Swift's cooperative pool.
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

    /// Starts `threadCount` threads, at `niceness` (0 normal, higher runs only when normal threads leave time).
    /// The work of a lane of lower priority stays on its own threads (`Parallelism.callerThreadOnly`): the
    /// encoder's helper threads run at normal priority and would take the time the nice value gives back.
    init(name: String, threadCount: Int, niceness: Int32, capacity: Int) {
        precondition(threadCount > 0, "a lane needs at least one thread")
        self.name = name
        self.threadCount = threadCount
        self.capacity = capacity
        for number in 0..<threadCount {
            let thread = Thread { [self] in
                // Named from inside: on Linux a name given before the start does not reach the system's thread,
                // which `top -H` and debuggers show.
                Thread.current.name = "\(name)-\(number)"
                Self.lowerPriority(by: niceness)
                Parallelism.$callerThreadOnly.withValue(niceness > 0) { self.work() }
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
            if let job, !job.isAbandoned() { job.run() }
        }
    }

    /// Raises this thread's nice value (Linux sets it per thread); elsewhere does nothing.
    private static func lowerPriority(by niceness: Int32) {
        if niceness > 0 { _ = evident_set_thread_niceness(niceness) }
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
