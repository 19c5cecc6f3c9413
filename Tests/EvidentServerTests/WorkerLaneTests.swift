import Dispatch
import Evident
import EvidentTestSupport
import Foundation
import Synchronization
import Testing

@testable import EvidentServer

@Suite struct WorkerLaneTests {
    @Test func workRunsOnTheLaneAndReturnsItsResultOrError() async throws {
        let lane = WorkerLane(name: "test", threadCount: 2, capacity: 8)
        defer { lane.stop() }
        let answer = try await lane.run(timeLimit: .seconds(5)) { 6 * 7 }
        #expect(answer == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await lane.run(timeLimit: .seconds(5)) { throw Failure() } }
    }

    @Test func aGroundingLaneKeepsItsWorkOnItsOwnThreadsAtNormalPriority() async throws {
        let share = CoreShare(cores: 2)
        let search = WorkerLane(name: "search", threadCount: 1, workClass: .search, share: share, capacity: 8)
        let grounding = WorkerLane(name: "grounding", threadCount: 1, workClass: .grounding, share: share, capacity: 8)
        defer {
            search.stop()
            grounding.stop()
        }
        let onSearch = try await search.run(timeLimit: .seconds(5)) { Parallelism.callerThreadOnly }
        let onGrounding = try await grounding.run(timeLimit: .seconds(5)) { Parallelism.callerThreadOnly }
        #expect(!onSearch)
        #expect(onGrounding)
        #if os(Linux)
            let niceness = try await grounding.run(timeLimit: .seconds(5)) { try Self.currentThreadNiceness() }
            #expect(niceness == 0)
        #endif
    }

    @Test func aSearchWhoseTimeRanOutWhileItWaitedIsDroppedFromTheBatch() async throws {
        let retriever = try #require(LexicalFixture.retriever)
        let lane = WorkerLane(name: "search", threadCount: 1, capacity: 8)
        defer { lane.stop() }
        let batcher = SearchBatcher(retriever: retriever, lane: lane)
        let release = DispatchSemaphore(value: 0)
        // The lane's only thread is held, so the search waits for it, and its time runs out.
        let holder = try await lane.hold(until: release)
        let query = Retriever.BatchQuery("mesothelioma", limit: 3, options: SearchOptions(mode: .lexical))
        await #expect(throws: WorkerLane.Refusal.timedOut) {
            try await batcher.search(query, timeLimit: .milliseconds(50))
        }
        release.signal()
        try await holder.value
        // The lane runs its jobs in order: once this one has run, the batcher's turn has passed.
        try await lane.run(timeLimit: .seconds(10)) {}
        #expect(batcher.batchCount == 0, "the search that timed out was not searched")
        let results = try await batcher.search(query, timeLimit: .seconds(10))
        #expect(!results.isEmpty)
        #expect(batcher.batchCount == 1)
    }

    /// The nice value of the calling thread, from /proc (the 19th field of its stat line).
    private static func currentThreadNiceness() throws -> Int? {
        let stat = try String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8)
        // The command name, in parentheses, may hold spaces: count the fields after its closing parenthesis.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 16 ? Int(fields[16]) : nil
    }

    @Test func aFullQueueRefusesAtOnceAndATimedOutJobNeverStarts() async throws {
        let lane = WorkerLane(name: "full", threadCount: 1, capacity: 1)
        defer { lane.stop() }
        let release = DispatchSemaphore(value: 0)
        // The only thread is held by the first job; the second waits in the queue (its capacity is 1).
        let first = try await lane.hold(until: release)
        let ran = Mutex(false)
        async let second: Void = lane.run(timeLimit: .milliseconds(50)) { ran.withLock { $0 = true } }
        try await waitUntil("the second job to queue") { lane.queued == 1 }
        await #expect(throws: WorkerLane.Refusal.busy) { try await lane.run(timeLimit: .seconds(5)) { 1 } }
        do {
            try await second
            Issue.record("the queued job should have timed out")
        } catch {
            #expect(error as? WorkerLane.Refusal == .timedOut)
        }
        release.signal()
        try await first.value
        try await Task.sleep(for: .milliseconds(50))
        #expect(ran.withLock { $0 } == false, "work whose time ran out while queued is dropped")
    }
}
