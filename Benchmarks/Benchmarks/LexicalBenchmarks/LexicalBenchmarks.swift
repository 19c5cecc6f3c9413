import Benchmark
import Evident
import Foundation

/// The data beside the project: `../shared/data` relative to the repository root.
private let sharedData: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Benchmarks/Benchmarks/LexicalBenchmarks/<file>
    return url.deletingLastPathComponent().appendingPathComponent("shared/data")
}()

private func readCorpus(_ name: String) -> [Document]? {
    let url = sharedData.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: url.path) else {
        print("skipping \(name) benchmarks: \(url.path) is missing")
        return nil
    }
    do {
        return try CorpusReader().read(at: url).documents
    } catch {
        print("skipping \(name) benchmarks: \(error)")
        return nil
    }
}

/// SciFact's 809 training claims, read once.
private let sciFactClaims: [String] = {
    let url = sharedData.appendingPathComponent("scifact/queries.jsonl")
    return (try? QueryFile.read(at: url).map(\.text)) ?? []
}()

/// Built once per process, on first use, outside the measured part of a benchmark.
private final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()
    private let lock = NSLock()
    private var retrievers: [String: Retriever] = [:]

    func retriever(for corpus: String) -> Retriever? {
        lock.lock()
        defer { lock.unlock() }
        if let retriever = retrievers[corpus] { return retriever }
        guard let documents = readCorpus(corpus),
            let index = try? EvidentIndex(build: IndexBuilder().build(documents: documents))
        else { return nil }
        let retriever = Retriever(index: index)
        retrievers[corpus] = retriever
        return retriever
    }
}

let benchmarks: @Sendable () -> Void = {
    let onCI = ProcessInfo.processInfo.environment["CI"] != nil
    Benchmark.defaultConfiguration = .init(
        metrics: onCI ? [.instructions, .mallocCountTotal] : [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 10_000
    )

    // One query at a time, cycling through SciFact's 809 training claims: the latency a user sees.
    for corpus in ["scifact", "nci-pdq"] {
        Benchmark("BM25.search/\(corpus)/top-10") { benchmark in
            guard let retriever = Fixtures.shared.retriever(for: corpus) else { return }
            let queries = sciFactClaims
            guard !queries.isEmpty else { return }
            var next = Int.random(in: 0..<queries.count)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try retriever.search(queries[next % queries.count], limit: 10))
                next += 1
            }
        }
    }

    // Chunking, analysis and inverted index construction, in memory (reading the files is not timed), with the
    // indexing rate in documents and passages per second.
    let documentsPerSecond = BenchmarkMetric.custom("documents/s", polarity: .prefersLarger, useScalingFactor: false)
    let passagesPerSecond = BenchmarkMetric.custom("passages/s", polarity: .prefersLarger, useScalingFactor: false)
    for corpus in ["scifact", "nci-pdq"] {
        Benchmark(
            "IndexBuilder.build/\(corpus)",
            configuration: .init(
                metrics: [.wallClock, .peakMemoryResident, documentsPerSecond, passagesPerSecond],
                warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3)
        ) { benchmark in
            guard let documents = readCorpus(corpus) else { return }
            let start = ContinuousClock.now
            benchmark.startMeasurement()
            let build = IndexBuilder().build(documents: documents)
            benchmark.stopMeasurement()
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            benchmark.measurement(documentsPerSecond, Int(Double(build.documentCount) / seconds))
            benchmark.measurement(passagesPerSecond, Int(Double(build.passageCount) / seconds))
        }
    }
}
