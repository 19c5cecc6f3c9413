import Benchmark
import Evident
import Foundation

// The encoder's throughput beside OpenBLAS's plain sgemm, measured in the same run with the same threads, so the
// encoder's share of the machine's matrix-multiply rate can be read off directly:
//
// - encoder/corpus: every passage of the demo corpus (Corpus/, 177 passages) embedded per iteration, in batches
//   of 32 as `evident index` does; passages/s, and GFLOP/s counted from the matrix products of each sequence's
//   true length (`BertConfiguration.matrixOperations`), padding not counted.
// - sgemm/square-2048: a 2048 × 2048 × 2048 product, OpenBLAS at its best.
// - sgemm/feed-forward: 4096 × 384 by 384 × 1536, the shape of the encoder's largest product.
//
// Needs Models/all-MiniLM-L6-v2 (`make setup`); the encoder benchmark is skipped with a message without it.
// OpenBLAS uses its default thread count (all cores) in both.

private let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Benchmarks/Benchmarks/EncoderBenchmarks/<file>
    return url
}()

/// The demo corpus's passage texts and the embedder, loaded once per process.
private final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()
    let embedder: SentenceEmbedder?
    let passages: [String]
    /// The matrix-product operations of embedding `passages` once.
    let operations: Double

    private init() {
        let model = repositoryRoot.appendingPathComponent("Models/all-MiniLM-L6-v2")
        do {
            let embedder = try SentenceEmbedder(directory: model)
            let corpus = try CorpusReader(configuration: .init(excludedPaths: ["answers"]))
                .read(at: repositoryRoot.appendingPathComponent("Corpus"))
            let chunker = Chunker()
            let passages = corpus.documents.flatMap { chunker.passages(of: $0) }.map(\.text)
            let limit = embedder.encoder.maximumSequenceLength
            self.operations = embedder.tokenizer.tokenIDs(for: passages).reduce(0) {
                $0 + embedder.encoder.configuration.matrixOperations(forSequenceLength: min($1.count, limit))
            }
            self.embedder = embedder
            self.passages = passages
        } catch {
            print("skipping the encoder benchmark: \(error) (run `make setup` to fetch the model)")
            embedder = nil
            passages = []
            operations = 0
        }
    }
}

/// Seconds elapsed since `start`.
private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

let benchmarks: @Sendable () -> Void = {
    let onCI = ProcessInfo.processInfo.environment["CI"] != nil
    let gigaflops = BenchmarkMetric.custom("GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
    let passagesPerSecond = BenchmarkMetric.custom("passages/s", polarity: .prefersLarger, useScalingFactor: false)
    let timeMetrics: [BenchmarkMetric] = onCI ? [.instructions] : [.wallClock]

    Benchmark(
        "encoder/corpus",
        configuration: .init(
            metrics: timeMetrics + (onCI ? [] : [passagesPerSecond, gigaflops]), timeUnits: .milliseconds,
            warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 20)
    ) { benchmark in
        let fixtures = Fixtures.shared
        guard let embedder = fixtures.embedder else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            blackHole(embedder.embed(fixtures.passages, batchSize: 32))
            let elapsed = seconds(since: start)
            if !onCI {
                benchmark.measurement(passagesPerSecond, Int(Double(fixtures.passages.count) / elapsed))
                benchmark.measurement(gigaflops, Int(fixtures.operations / elapsed / 1e9))
            }
        }
    }

    for (name, m, k, n) in [("square-2048", 2048, 2048, 2048), ("feed-forward", 4096, 384, 1536)] {
        Benchmark(
            "sgemm/\(name)",
            configuration: .init(
                metrics: timeMetrics + (onCI ? [] : [gigaflops]), timeUnits: .milliseconds, warmupIterations: 2,
                maxDuration: .seconds(10), maxIterations: 50)
        ) { benchmark in
            let left = Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { Float($0 % 17) * 0.01 })
            let right = Matrix(rows: k, columns: n, elements: (0..<(k * n)).map { Float($0 % 13) * 0.01 })
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let start = ContinuousClock.now
                blackHole(left.multiplied(by: right))
                if !onCI { benchmark.measurement(gigaflops, Int(2 * Double(m * n * k) / seconds(since: start) / 1e9)) }
            }
        }
    }
}
