import Foundation
import Synchronization

/// The kinds of work the server's lanes run, which share the machine's cores.
enum WorkClass: Int, Sendable, Hashable, CaseIterable {
    /// Searches: short, and what users wait for most.
    case search
    /// `ask` and grounding: long, and never allowed to take every core.
    case grounding
}

/// Shares the cores between the server's lanes inside the process: searches first, but grounding never starved.
///
/// Every job of a lane runs while it holds one of `cores` slots. A free slot goes to the kind of work that has
/// used the least core time for its weight (searches weigh three times as much as groundings), among those that
/// wait; so while both wait, searches get about three quarters of the time and groundings a quarter, and either
/// gets it all when the other has nothing to do. Groundings never hold more than `groundingLimit` slots (by default
/// all cores but one), so that a search always finds a core that no grounding can take. All threads run at the
/// system's normal priority: another busy process on the machine slows both kinds alike, and starves neither (a
/// lane at the lowest priority got no time at all while a build ran beside the server).
final class CoreShare: Sendable {
    /// The sharing rule, without threads: which kind of work gets the next free slot.
    struct State: Sendable {
        let cores: Int
        let groundingLimit: Int
        let weights: [Double]
        /// Jobs of each kind waiting for a slot, and running in one.
        var waiting = [0, 0]
        var running = [0, 0]
        /// Each kind's waiting jobs take tickets and start in their order, so that a lane's thread that comes back
        /// for its next job cannot pass one of its kind that waited longer (one grounding waited 10 s so).
        var nextTicket = [0, 0]
        var nowServing = [0, 0]
        /// Core seconds each kind has used, divided by its weight. A kind that starts to wait after a quiet time
        /// starts at most `credit` behind the other, so that it does not bank the time it did not need.
        var virtualTime = [0.0, 0.0]
        /// The most weighted time an idle kind keeps as credit when it starts to wait again: enough for a search
        /// that arrives alone to keep its place behind a grounding, far less than a burst of either.
        let credit = 0.1

        init(cores: Int, groundingLimit: Int, searchWeight: Double = 3, groundingWeight: Double = 1) {
            precondition(cores > 0 && groundingLimit > 0, "a share needs cores")
            self.cores = cores
            self.groundingLimit = groundingLimit
            self.weights = [searchWeight, groundingWeight]
        }

        /// Whether the job of `kind` holding `ticket` may take a slot now: it is the oldest of its kind that waits,
        /// and `mayRun(kind)`.
        func mayRun(_ kind: WorkClass, ticket: Int) -> Bool {
            ticket == nowServing[kind.rawValue] && mayRun(kind)
        }

        /// Whether a job of `kind` may take a slot now: one is free, the kind is under its limit, and no other
        /// waiting kind is owed the slot first.
        func mayRun(_ kind: WorkClass) -> Bool {
            guard running[0] + running[1] < cores, isUnderLimit(kind) else { return false }
            let other: WorkClass = kind == .search ? .grounding : .search
            guard waiting[other.rawValue] > 0, isUnderLimit(other) else { return true }
            let mine = virtualTime[kind.rawValue]
            let theirs = virtualTime[other.rawValue]
            return mine < theirs || (mine == theirs && kind == .search)
        }

        private func isUnderLimit(_ kind: WorkClass) -> Bool {
            kind == .search || running[WorkClass.grounding.rawValue] < groundingLimit
        }

        /// Counts a job of `kind` as waiting; returns its ticket.
        @discardableResult
        mutating func startWaiting(_ kind: WorkClass) -> Int {
            let index = kind.rawValue
            if waiting[index] == 0, running[index] == 0 {
                virtualTime[index] = max(virtualTime[index], virtualTime[1 - index] - credit)
            }
            waiting[index] += 1
            nextTicket[index] += 1
            return nextTicket[index] - 1
        }

        mutating func start(_ kind: WorkClass) {
            waiting[kind.rawValue] -= 1
            running[kind.rawValue] += 1
            nowServing[kind.rawValue] += 1
        }

        mutating func finish(_ kind: WorkClass, seconds: Double) {
            running[kind.rawValue] -= 1
            virtualTime[kind.rawValue] += seconds / weights[kind.rawValue]
        }
    }

    private let state: Mutex<State>
    private let condition = NSCondition()

    /// A share of `cores` slots; groundings hold at most `groundingLimit` of them (default: all but one).
    init(cores: Int = ProcessInfo.processInfo.activeProcessorCount, groundingLimit: Int? = nil) {
        state = Mutex(State(cores: cores, groundingLimit: groundingLimit ?? max(1, cores - 1)))
    }

    /// Runs `body` in a slot for `kind`, waiting on the calling thread (a lane's own) until the share grants one.
    func run<Result>(_ kind: WorkClass, _ body: () throws -> Result) rethrows -> Result {
        condition.lock()
        let ticket = state.withLock { $0.startWaiting(kind) }
        while !state.withLock({ $0.mayRun(kind, ticket: ticket) }) { condition.wait() }
        state.withLock { $0.start(kind) }
        // With this job no longer waiting, a job of the other kind may be the one owed the next free slot.
        condition.broadcast()
        condition.unlock()
        let clock = ContinuousClock()
        let started = clock.now
        defer {
            let elapsed = (clock.now - started).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
            condition.lock()
            state.withLock { $0.finish(kind, seconds: seconds) }
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
