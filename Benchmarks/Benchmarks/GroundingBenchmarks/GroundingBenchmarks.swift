import Benchmark
import Evident
import Foundation

// Grounding and asking over a real index, in process (index and model loaded before the measurement):
//
// - ground/20-claims: `Benchmarks/Answers/mesothelioma-20-claims.md` split, retrieved, anchored and judged;
// - ask/question: a five-sentence extractive answer to one question.
//
// The index comes from EVIDENT_BENCH_INDEX (built with a model, for example
// `evident index ../shared/data/nci-pdq --out nci.index`); without it the suite says so and measures nothing.
// The model is Models/all-MiniLM-L6-v2 or EVIDENT_BENCH_MODEL.

private let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Benchmarks/Benchmarks/GroundingBenchmarks/<file>
    return url
}()

private final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()
    let grounder: Grounder?
    let answerer: ExtractiveAnswerer?
    let answer: String

    private init() {
        let environment = ProcessInfo.processInfo.environment
        answer =
            (try? String(
                contentsOf: repositoryRoot.appendingPathComponent("Benchmarks/Answers/mesothelioma-20-claims.md"),
                encoding: .utf8)) ?? ""
        guard let path = environment["EVIDENT_BENCH_INDEX"], !path.isEmpty else {
            print("skipping the grounding benchmarks: set EVIDENT_BENCH_INDEX to an index built with a model")
            grounder = nil
            answerer = nil
            return
        }
        do {
            let index = try EvidentIndex(contentsOf: URL(fileURLWithPath: path))
            let model =
                environment["EVIDENT_BENCH_MODEL"].map { URL(fileURLWithPath: $0) }
                ?? repositoryRoot.appendingPathComponent("Models/all-MiniLM-L6-v2")
            let retriever = try Retriever(index: index, embedder: try SentenceEmbedder(directory: model))
            grounder = Grounder(retriever: retriever)
            answerer = ExtractiveAnswerer(retriever: retriever)
        } catch {
            print("skipping the grounding benchmarks: \(error)")
            grounder = nil
            answerer = nil
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    let onCI = ProcessInfo.processInfo.environment["CI"] != nil
    let metrics: [BenchmarkMetric] = onCI ? [.instructions] : [.wallClock, .peakMemoryResident]
    let configuration = Benchmark.Configuration(
        metrics: metrics, timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(20),
        maxIterations: 30)

    Benchmark("ground/20-claims", configuration: configuration) { benchmark in
        let fixtures = Fixtures.shared
        guard let grounder = fixtures.grounder else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try grounder.ground(answer: fixtures.answer))
        }
    }

    Benchmark("ask/question", configuration: configuration) { benchmark in
        guard let answerer = Fixtures.shared.answerer else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try answerer.answer("What is the first-line treatment for unresectable pleural mesothelioma?"))
        }
    }
}
