import Benchmark
import HotPaths

// The regression guard's package-benchmark suite: allocation counts (and instruction counts where the machine
// has hardware counters) of each hot path in `HotPaths`. The counts are compared with the thresholds committed
// under `Benchmarks/Thresholds/` by `make bench-check`; `make bench-thresholds` records new ones after an intended
// change. Instruction counts on any machine come from `HotPathCounts` under callgrind (`Scripts/count-instructions.sh`).

let benchmarks: @Sendable () -> Void = {
    // The committed thresholds are p90 values; the tolerances apply to them. Instruction counts move by a
    // fraction of a percent between runs; allocation counts not at all on one kind of machine.
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .mallocCountTotal], warmupIterations: 2, maxDuration: .seconds(3),
        maxIterations: 200,
        thresholds: [
            .instructions: .init(relative: [.p90: 3.0]),
            .mallocCountTotal: .init(relative: [.p90: 2.0]),
        ])

    let fixtures = HotPathFixtures()
    for path in HotPath.allCases {
        Benchmark(path.rawValue) { benchmark in
            guard let body = fixtures.body(of: path) else { return }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { try body() }
        }
    }
}
