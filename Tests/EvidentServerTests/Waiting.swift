import Dispatch
import Synchronization
import Testing

@testable import EvidentServer

/// Waits until `condition` holds, checking it every millisecond, and fails the test when ten minutes pass first.
///
/// Tests poll rather than block: a test that blocks holds one of the few threads that run tasks, and two such tests
/// in parallel could leave none to do what they wait for. The limit only catches a hang, so it is longer than the
/// whole test run: while the other suites run, those threads are busy with their work, and on CI a server's start
/// took more than 5 s.
func waitUntil(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async -> Bool)
    async throws
{
    let limit = Duration.seconds(600)
    let deadline = ContinuousClock.now + limit
    var holds = await condition()
    while !holds, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(1))
        holds = await condition()
    }
    try #require(holds, "\(what) did not happen within \(limit)", sourceLocation: sourceLocation)
}

extension WorkerLane {
    /// Occupies one of the lane's threads with a job that waits for `release`, and returns once the job runs; the
    /// task returned ends with the job.
    func hold(until release: DispatchSemaphore) async throws -> Task<Void, any Error> {
        let started = Mutex(false)
        let holder = Task {
            try await run(timeLimit: .seconds(600)) {
                started.withLock { $0 = true }
                release.wait()
            }
        }
        try await waitUntil("the job that holds a thread of lane \(name) to start") { started.withLock { $0 } }
        return holder
    }
}
