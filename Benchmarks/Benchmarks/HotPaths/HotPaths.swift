import Evident
import EvidentBenchmarking
import Foundation

// The hot paths of the regression guard, shared by `HotPathBenchmarks` (package-benchmark: allocation counts,
// and instruction counts where the machine has hardware counters) and `HotPathCounts` (instruction counts under
// callgrind, which any machine can give). Their data lies inside the repository (`Corpus/`, the model fetched by
// `make setup`, seeded synthetic vectors), so the counts are the same on every machine of one kind.
//
// - bm25-query: one lexical (BM25) search for a query of analyzed terms, top 10 with their citations;
// - vectors-fp32-10k, vectors-int8-10k: one query against 10,000 seeded unit vectors, top 10, one thread;
// - encoder-one-pass: one short text through MiniLM;
// - chunker-document: one demo document cut into passages;
// - ground-one-claim: one claim grounded over the demo corpus (with sentence vectors).

/// One hot path of the regression guard.
public enum HotPath: String, CaseIterable, Sendable {
    case bm25Query = "bm25-query"
    case vectorsFP32 = "vectors-fp32-10k"
    case vectorsInt8 = "vectors-int8-10k"
    case encoderOnePass = "encoder-one-pass"
    case chunkerDocument = "chunker-document"
    case groundOneClaim = "ground-one-claim"
}

/// The repository's root folder, from this file's place in it.
public let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Benchmarks/Benchmarks/HotPaths/<file>
    return url
}()

/// Keeps `value` alive and opaque to the optimizer, so that the work producing it is not removed.
@inline(never)
public func keep<Value>(_ value: Value) {
    withExtendedLifetime(value) {}
}

/// Everything the hot paths need, made on first use of each part (outside the measured part of a run).
public final class HotPathFixtures: @unchecked Sendable {
    /// An index directory to open for the search and grounding paths instead of building one from `Corpus/` (the
    /// counts under callgrind use one, as embedding the corpus there would take minutes).
    private let indexDirectory: URL?
    private let lock = NSLock()
    private var cachedDocuments: [Document]?
    private var cachedEmbedder: SentenceEmbedder??
    private var cachedRetriever: Retriever??
    private var cachedVectors: (flat: FlatVectorIndex, quantized: Int8VectorIndex, query: [Float])?

    /// Fixtures that build their index from `Corpus/`, or open `indexDirectory` when given.
    public init(indexDirectory: URL? = nil) {
        self.indexDirectory = indexDirectory
    }

    /// The demo corpus without its sample answers.
    public var documents: [Document] {
        lock.withLock {
            if let cachedDocuments { return cachedDocuments }
            let documents =
                (try? CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
                    .read(at: repositoryRoot.appendingPathComponent("Corpus")).documents) ?? []
            cachedDocuments = documents
            return documents
        }
    }

    /// MiniLM from `Models/`, or nil when `make setup` has not fetched it.
    public var embedder: SentenceEmbedder? {
        lock.withLock {
            if let cachedEmbedder { return cachedEmbedder }
            let embedder = try? SentenceEmbedder(
                directory: repositoryRoot.appendingPathComponent("Models/all-MiniLM-L6-v2"))
            if embedder == nil {
                print("hot paths: the model is missing (run `make setup`); the encoder and grounding paths are skipped")
            }
            cachedEmbedder = .some(embedder)
            return embedder
        }
    }

    /// A retriever over the demo corpus, with the model when there is one.
    public var retriever: Retriever? {
        let embedder = self.embedder
        let documents = indexDirectory == nil ? self.documents : []
        return lock.withLock {
            if let cachedRetriever { return cachedRetriever }
            let index: EvidentIndex?
            if let indexDirectory {
                index = try? EvidentIndex(contentsOf: indexDirectory)
                if index == nil { print("hot paths: \(indexDirectory.path) is not an index") }
            } else {
                index = try? EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
            }
            let retriever = index.flatMap { index in
                embedder.flatMap { try? Retriever(index: index, embedder: $0) } ?? Retriever(index: index)
            }
            cachedRetriever = .some(retriever)
            return retriever
        }
    }

    /// 10,000 seeded unit vectors of 384 dimensions, exact (plain kernel) and quantized, and one query.
    public var vectors: (flat: FlatVectorIndex, quantized: Int8VectorIndex, query: [Float]) {
        lock.withLock {
            if let cachedVectors { return cachedVectors }
            var flat = FlatVectorIndex(
                dimension: 384, vectors: Self.unitVectors(count: 10_000, dimension: 384, seed: 11))
            flat.screening = .off  // the plain kernel: the AMX screen's counts depend on the processor
            let vectors = (
                flat, Int8VectorIndex(quantizing: flat), Self.unitVectors(count: 1, dimension: 384, seed: 12)
            )
            cachedVectors = vectors
            return vectors
        }
    }

    /// One run of `path`, ready to call repeatedly; nil when its data is missing (the model, or `Corpus/`).
    public func body(of path: HotPath) -> (() throws -> Void)? {
        switch path {
        case .bm25Query:
            guard let retriever else { return nil }
            let query = retriever.terms(of: "first-line chemotherapy for pleural mesothelioma with pemetrexed")
                .joined(separator: " ")
            let options = SearchOptions(mode: .lexical)
            return { keep(try retriever.search(query, limit: 10, options: options)) }
        case .vectorsFP32:
            let vectors = self.vectors
            return { keep(vectors.flat.search(vectors.query, limit: 10)) }
        case .vectorsInt8:
            let vectors = self.vectors
            return { keep(vectors.quantized.search(vectors.query, limit: 10)) }
        case .encoderOnePass:
            guard let embedder else { return nil }
            return { keep(embedder.embed(["How does CAR-T cell therapy work for mesothelioma?"])) }
        case .chunkerDocument:
            guard let document = documents.first(where: { $0.id == "cell-therapy/car-t-how-it-works.md" }) else {
                return nil
            }
            let chunker = Chunker(configuration: .default)
            return { keep(chunker.passages(of: document)) }
        case .groundOneClaim:
            guard embedder != nil, let retriever, retriever.embedder != nil else { return nil }
            let grounder = Grounder(retriever: retriever)
            return {
                keep(
                    try grounder.ground(claims: [
                        (id: nil, text: "CAR T cells are grown in large numbers and infused back into the patient.")
                    ]))
            }
        }
    }

    /// Vectors drawn by the bench lab's SplitMix64 from `seed`: the same vectors on every run.
    static func unitVectors(count: Int, dimension: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        func next() -> UInt64 { generator.next() }
        var values: [Float] = []
        values.reserveCapacity(count * dimension)
        for _ in 0..<count {
            // A uniform float in [-1, 1] from the top 24 bits.
            let row = (0..<dimension).map { _ in Float(next() >> 40) / Float(1 << 23) - 1 }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            values += row.map { $0 / norm }
        }
        return values
    }
}
