import Dispatch
import Foundation
import Synchronization
import Testing

@testable import EvidentServer

@Suite struct CoreShareTests {
    @Test func groundingsNeverTakeTheLastCore() {
        var state = CoreShare.State(cores: 2, groundingLimit: 1)
        state.startWaiting(.grounding)
        state.startWaiting(.grounding)
        #expect(state.mayRun(.grounding))
        state.start(.grounding)
        #expect(!state.mayRun(.grounding), "a second grounding would leave no core for searches")
        state.startWaiting(.search)
        #expect(state.mayRun(.search))
        state.start(.search)
        #expect(!state.mayRun(.search), "both cores are taken")
        state.finish(.grounding, seconds: 1)
        #expect(state.mayRun(.grounding))
    }

    @Test func aSearchGoesFirstWhenBothWaitAndNeitherIsOwedTime() {
        var state = CoreShare.State(cores: 1, groundingLimit: 1)
        state.startWaiting(.grounding)
        state.startWaiting(.search)
        #expect(state.mayRun(.search))
        #expect(!state.mayRun(.grounding))
    }

    @Test func whileBothWaitEachGetsItsWeightedShareOfTheTime() {
        // One core, searches of 10 ms and groundings of 100 ms always waiting: the core goes to whichever kind has
        // used less of its share, so searches get about three quarters of the time.
        var state = CoreShare.State(cores: 1, groundingLimit: 1)
        state.startWaiting(.search)
        state.startWaiting(.grounding)
        var seconds = [0.0, 0.0]
        for _ in 0..<2_000 {
            let kind: WorkClass = state.mayRun(.search) ? .search : .grounding
            #expect(state.mayRun(kind))
            state.start(kind)
            let duration = kind == .search ? 0.010 : 0.100
            state.finish(kind, seconds: duration)
            seconds[kind.rawValue] += duration
            state.startWaiting(kind)
        }
        let searchShare = seconds[0] / (seconds[0] + seconds[1])
        #expect(abs(searchShare - 0.75) < 0.02, "searches had \(searchShare) of the time")
    }

    @Test func aKindThatWasIdleBanksNoTime() {
        var state = CoreShare.State(cores: 1, groundingLimit: 1)
        // Searches alone for 100 s, then a grounding arrives: it gets the core first, but it does not keep it for
        // the next minute on the strength of the time it did not need: it starts at most 0.1 s of credit ahead.
        for _ in 0..<1_000 {
            state.startWaiting(.search)
            state.start(.search)
            state.finish(.search, seconds: 0.1)
        }
        state.startWaiting(.grounding)
        state.startWaiting(.search)
        #expect(state.mayRun(.grounding))
        state.start(.grounding)
        state.finish(.grounding, seconds: 0.2)
        state.startWaiting(.grounding)
        #expect(state.mayRun(.search), "after 0.2 s its credit is spent and the waiting search goes first")
        #expect(!state.mayRun(.grounding))
    }

    @Test func jobsOfOneKindStartInTheOrderTheyCameIn() {
        var state = CoreShare.State(cores: 2, groundingLimit: 1)
        let first = state.startWaiting(.grounding)
        let second = state.startWaiting(.grounding)
        #expect(!state.mayRun(.grounding, ticket: second), "the later one may not pass the earlier")
        #expect(state.mayRun(.grounding, ticket: first))
        state.start(.grounding)
        state.finish(.grounding, seconds: 0.5)
        let third = state.startWaiting(.grounding)  // the first one's thread, back for its next job
        #expect(state.mayRun(.grounding, ticket: second))
        #expect(!state.mayRun(.grounding, ticket: third))
    }

    @Test func slotsBoundTheJobsRunningAtOnceAcrossLanes() async throws {
        let share = CoreShare(cores: 2)
        let search = WorkerLane(name: "search", threadCount: 3, workClass: .search, share: share, capacity: 64)
        let grounding = WorkerLane(name: "grounding", threadCount: 2, workClass: .grounding, share: share, capacity: 64)
        defer {
            search.stop()
            grounding.stop()
        }
        let counts = JobCounts()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for index in 0..<40 {
                let isGrounding = index % 2 == 1
                let lane = isGrounding ? grounding : search
                tasks.addTask { try await lane.run(timeLimit: .seconds(600)) { counts.job(isGrounding: isGrounding) } }
            }
            try await tasks.waitForAll()
        }
        let seen = counts.state.withLock { $0 }
        #expect(seen.most <= 2, "at most one job a core")
        #expect(seen.mostGroundings == 1, "groundings held one core at most")
    }
}

/// Counts the jobs running at once, and the groundings among them.
private final class JobCounts: Sendable {
    let state = Mutex((running: 0, most: 0, groundings: 0, mostGroundings: 0))

    func job(isGrounding: Bool) {
        state.withLock {
            $0.running += 1
            $0.most = max($0.most, $0.running)
            if isGrounding { $0.groundings += 1 }
            $0.mostGroundings = max($0.mostGroundings, $0.groundings)
        }
        Thread.sleep(forTimeInterval: 0.002)
        state.withLock {
            $0.running -= 1
            if isGrounding { $0.groundings -= 1 }
        }
    }
}
