import Benchmark
import Evident
import Foundation

// The regression guard: instruction and allocation counts of each hot path, on data inside the repository
// (`Corpus/`, the model fetched by `make setup`, seeded synthetic vectors), so that they are the same on every
// machine of one kind. The counts are compared with the thresholds committed under `Benchmarks/Thresholds/` by
// `make bench-check`; `make bench-thresholds` records new ones after an intended change.
//
// - bm25-query: one lexical (BM25) search for a query of analyzed terms, top 10 with their citations;
// - vectors-fp32-10k, vectors-int8-10k: one query against 10,000 seeded unit vectors, top 10, one thread;
// - encoder-one-pass: one short text through MiniLM;
// - chunker-document: one demo document cut into passages;
// - ground-one-claim: one claim grounded over the demo corpus (with sentence vectors).

private let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Benchmarks/Benchmarks/HotPathBenchmarks/<file>
    return url
}()

/// SplitMix64, seeded: the same synthetic vectors on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

private func unitVectors(count: Int, dimension: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(state: seed)
    var values: [Float] = []
    values.reserveCapacity(count * dimension)
    for _ in 0..<count {
        let row = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        values += row.map { $0 / norm }
    }
    return values
}

/// Built once, outside the measured part.
private final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()
    let documents: [Document]
    let retriever: Retriever?
    let grounder: Grounder?
    let embedder: SentenceEmbedder?
    let flat: FlatVectorIndex
    let quantized: Int8VectorIndex
    let query: [Float]

    private init() {
        documents =
            (try? CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
                .read(at: repositoryRoot.appendingPathComponent("Corpus")).documents) ?? []
        let model = repositoryRoot.appendingPathComponent("Models/all-MiniLM-L6-v2")
        embedder = try? SentenceEmbedder(directory: model)
        if let embedder,
            let index = try? EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder)),
            let retriever = try? Retriever(index: index, embedder: embedder)
        {
            self.retriever = retriever
            grounder = Grounder(retriever: retriever)
        } else {
            print("hot paths: the model is missing (run `make setup`); the encoder and grounding paths are skipped")
            retriever = (try? EvidentIndex(build: IndexBuilder().build(documents: documents))).map(Retriever.init)
            grounder = nil
        }
        var flat = FlatVectorIndex(dimension: 384, vectors: unitVectors(count: 10_000, dimension: 384, seed: 11))
        flat.screening = .off  // the plain kernel: the AMX screen's counts depend on the processor
        self.flat = flat
        quantized = Int8VectorIndex(quantizing: flat)
        query = unitVectors(count: 1, dimension: 384, seed: 12)
    }
}

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

    Benchmark("bm25-query") { benchmark in
        guard let retriever = Fixtures.shared.retriever else { return }
        let terms = retriever.terms(of: "first-line chemotherapy for pleural mesothelioma with pemetrexed")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try retriever.search(terms.joined(separator: " "), limit: 10))
        }
    }
    Benchmark("vectors-fp32-10k") { benchmark in
        let fixtures = Fixtures.shared
        for _ in benchmark.scaledIterations { blackHole(fixtures.flat.search(fixtures.query, limit: 10)) }
    }
    Benchmark("vectors-int8-10k") { benchmark in
        let fixtures = Fixtures.shared
        for _ in benchmark.scaledIterations { blackHole(fixtures.quantized.search(fixtures.query, limit: 10)) }
    }
    Benchmark("encoder-one-pass") { benchmark in
        guard let embedder = Fixtures.shared.embedder else { return }
        for _ in benchmark.scaledIterations {
            blackHole(embedder.embed(["How does CAR-T cell therapy work for mesothelioma?"]))
        }
    }
    Benchmark("chunker-document") { benchmark in
        guard let document = Fixtures.shared.documents.first(where: { $0.id == "cell-therapy/car-t-how-it-works.md" })
        else { return }
        let chunker = Chunker(configuration: .default)
        for _ in benchmark.scaledIterations { blackHole(chunker.passages(of: document)) }
    }
    Benchmark("ground-one-claim") { benchmark in
        guard let grounder = Fixtures.shared.grounder else { return }
        for _ in benchmark.scaledIterations {
            blackHole(
                try grounder.ground(claims: [
                    (id: nil, text: "CAR T cells are grown in large numbers and infused back into the patient.")
                ]))
        }
    }
}
