import Foundation
import Synchronization
public import Testing

/// Long synchronous work, kept off Swift's cooperative pool.
///
/// Swift Testing runs tests as tasks on the cooperative pool, which has one thread a core. A test that indexes a
/// corpus or grounds hundreds of claims holds its thread for a minute or more, and two of them hold both threads of
/// a 2-core machine: a server test then waits for a thread the whole time and fails for want of one, although
/// nothing is wrong with the server. Suites of such tests take the `.offThePool` trait: their tests run on threads
/// of their own (`BlockingWork.executor`), and the cooperative pool stays free for the tests that need it.
public enum BlockingWork {
    /// The executor the `.offThePool` suites run on: jobs wait in one queue for `threadCount` threads of their own.
    public static let executor = ThreadPoolExecutor(name: "test-work", threadCount: 4)

    /// Runs `work` on a thread of its own and returns its result; the calling task waits without holding a
    /// thread of the cooperative pool.
    public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// A task executor with threads of its own: what runs on it never occupies the cooperative pool.
public final class ThreadPoolExecutor: TaskExecutor, Sendable {
    private let jobs = Mutex<[UnownedJob]>([])
    private let condition = NSCondition()

    /// Starts `threadCount` threads named `name-0`, `name-1`, … that run the jobs in the order they come.
    public init(name: String, threadCount: Int) {
        for number in 0..<threadCount {
            let thread = Thread { [self] in
                Thread.current.name = "\(name)-\(number)"
                work()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            var job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            while job == nil {
                condition.wait()
                job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            }
            condition.unlock()
            job?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a suite's or a test's work on `BlockingWork.executor`, off Swift's cooperative pool (see `BlockingWork`).
public struct OffThePoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(BlockingWork.executor) { try await function() }
    }
}

extension Trait where Self == OffThePoolTrait {
    /// Runs the suite's tests on threads of their own, off Swift's cooperative pool: for tests that compute for a
    /// long time without awaiting (see `BlockingWork`).
    public static var offThePool: Self { OffThePoolTrait() }
}
