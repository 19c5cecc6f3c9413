import Dispatch
public import Evident
import Foundation

/// Settings of `LatencyBenchmark`.
public struct BenchmarkSettings: Sendable, Hashable {
    /// Timed single queries per search operation (cycling through the queries).
    public var searchRuns = 200
    /// Untimed runs before the timed ones.
    public var warmup = 20
    /// Timed `ask` runs.
    public var askRuns = 40
    /// Timed runs per grounded answer size.
    public var groundRuns = 15
    /// Claims per grounded answer.
    public var answerSizes = [5, 20]
    /// Queries per batch.
    public var batchSize = 64
    /// Timed batches per operation.
    public var batchRuns = 5
    /// Threads for batches and for the "all threads" sweep.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Results per search.
    public var limit = 10
    /// Synthetic corpus sizes for the dense sweep; empty for none.
    public var sweepSizes: [Int] = []
    /// Timed single queries per sweep point.
    public var sweepRuns = 40
    /// The operations to measure; `nil` for all of them.
    public var operations: Set<BenchmarkOperation>?
    /// The settings of the grounding operations.
    public var grounding = GroundingConfiguration()
    /// Passages of the index the `encode` operations embed, spread evenly over it.
    public var encodeTexts = 256
    /// Sequences per encoder batch in the `encode` operations (as `evident index`).
    public var encodeBatchSize = 32
    /// Timed passes over those passages per precision, after one untimed pass.
    public var encodeRuns = 3
    /// Timed single passages per precision.
    public var encodeSingleRuns = 40

    /// Creates the default settings.
    public init() {}
}

/// An operation `LatencyBenchmark` measures.
public enum BenchmarkOperation: String, Sendable, Hashable, Codable, CaseIterable {
    /// BM25 search from text to cited passages.
    case lexical
    /// Encoding the query, exact fp32 search, cited passages.
    case denseFP32 = "dense-fp32"
    /// Encoding the query, int8 search re-scored in fp32, cited passages.
    case denseInt8 = "dense-int8"
    /// BM25 and dense search fused.
    case hybrid
    /// BM25 top 10 from analyzed terms, without citations.
    case bm25Scoring = "bm25-scoring"
    /// The fp32 vector kernel alone, from a query vector.
    case vectorsFP32 = "vectors-fp32"
    /// The int8 vector kernel alone, from a query vector.
    case vectorsInt8 = "vectors-int8"
    /// The approximate (IVF) index alone, from a query vector, at its default number of lists, with its
    /// recall@10 against exact search; the index's own IVF, or one clustered in memory when it has none.
    case vectorsIVF = "vectors-ivf"
    /// An HNSW graph (M 32, efConstruction 200, efSearch 64, FAISS's settings in the peers) linked in memory, from
    /// a query vector, with its recall@10 against exact search and its build time. Not run unless named.
    case vectorsHNSW = "vectors-hnsw"
    /// An extractive answer.
    case ask
    /// Grounding answers, once per answer size (`ground-5`, `ground-20`).
    case ground = "ground-N"
    /// The claim verifier reading one (claim, sentence) pair; batches give pairs per second.
    case verifyPair = "verify-pair"
    /// Grounding answers with the claim verifier, once per answer size (`ground-20-verified`).
    case groundVerified = "ground-N-verified"
    /// The encoder alone, once per precision given (`encode-fp32`, `encode-int16`, …): passages of the index embedded
    /// one at a time, and all of them in batches as `evident index` embeds them (passages and tokens per second).
    case encode

    /// The operation `name` stands for: a raw value, or `ground-` with a number of claims (and `-verified`).
    public init?(name: String) {
        let verified = name.hasSuffix("-verified")
        let base = verified ? String(name.dropLast("-verified".count)) : name
        if base.hasPrefix("ground-"), Int(base.dropFirst("ground-".count)) != nil {
            self = verified ? .groundVerified : .ground
        } else if !verified, name.hasPrefix("encode-"),
            EncoderPrecision(rawValue: String(name.dropFirst("encode-".count))) != nil
        {
            self = .encode
        } else {
            self.init(rawValue: name)
        }
    }

    /// Whether the operation grounds answers (once per answer size).
    var groundsAnswers: Bool { self == .ground || self == .groundVerified }

    /// Whether the operation needs the claim verifier.
    public var needsVerifier: Bool { self == .verifyPair || self == .groundVerified }

    /// The name of this operation's result in a report: the raw value, or `ground-20` for an answer of 20 claims
    /// (`ground-20-verified` with the verifier).
    public func reportName(claims: Int) -> String {
        switch self {
        case .ground: "ground-\(claims)"
        case .groundVerified: "ground-\(claims)-verified"
        default: rawValue
        }
    }
}

/// Progress of a benchmark run: which step, and how far it is.
public struct BenchmarkProgress: Sendable, Hashable {
    /// The step, such as "hybrid" or "sweep 100k fp32 1 thread".
    public var step: String
    /// Steps finished, and all steps.
    public var stepsDone: Int
    public var steps: Int
    /// Runs of this step finished, and all of them.
    public var runsDone: Int
    public var runs: Int
}

/// Measures the latency of every operation of Evident on one index: search in each mode, the vector and BM25
/// kernels alone, `ask`, and grounding answers of several sizes; where a hybrid query's time goes; and, when
/// asked, dense search over synthetic corpora of growing size. The library does the work; `evident bench` prints
/// and writes what it returns.
public struct LatencyBenchmark: Sendable {
    /// The retriever, with a model (the dense, hybrid, ask and grounding operations need one).
    public let retriever: Retriever
    /// The claim verifier, for `verify-pair` and `ground-N-verified`; without one they are left out.
    public let verifier: ClaimVerifier?
    /// The embedders the `encode` operations measure, one per precision (fp32 first, the reference of the others'
    /// cosines); by default the retriever's own.
    public let encoders: [SentenceEmbedder]
    /// The settings.
    public var settings: BenchmarkSettings

    /// Whether the settings ask for `operation`.
    func measures(_ operation: BenchmarkOperation) -> Bool {
        // The graph takes long to link, so it is measured only when named.
        settings.operations?.contains(operation) ?? (operation != .vectorsHNSW)
    }

    /// Creates a benchmark of `retriever`'s index, with `verifier` for the operations that need one and `encoders`
    /// (default: the retriever's embedder) for `encode`.
    public init(
        retriever: Retriever, verifier: ClaimVerifier? = nil, encoders: [SentenceEmbedder]? = nil,
        settings: BenchmarkSettings = BenchmarkSettings()
    ) {
        self.retriever = retriever
        self.verifier = verifier
        self.encoders = encoders ?? retriever.embedder.map { [$0] } ?? []
        self.settings = settings
    }

    /// Runs every measurement.
    ///
    /// - Parameters:
    ///   - queries: The queries, at least one.
    ///   - querySource: Where they came from, for the report.
    ///   - index: The index's description (path, size, load time).
    ///   - progress: Called before each step and after each run.
    ///   - finished: Called with each operation's result as soon as it is measured.
    /// - Returns: The report, without peers (the caller adds them).
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func run(
        queries: [String], querySource: String, index: IndexDescription,
        progress: (BenchmarkProgress) -> Void = { _ in },
        finished: (BenchmarkReport.OperationResult) -> Void = { _ in }
    ) throws -> BenchmarkReport {
        precondition(!queries.isEmpty, "a benchmark needs queries")
        let started = Date()
        let clock = DispatchTime.now
        let begin = clock().uptimeNanoseconds
        let hasModel = retriever.embedder != nil
        let steps = BenchmarkOperation.allCases.filter { operation in
            measures(operation) && (hasModel || operation == .lexical || operation == .bm25Scoring)
                && (verifier != nil || !operation.needsVerifier)
        }.flatMap { operation in
            operation.groundsAnswers
                ? settings.answerSizes.map { _ in operation }
                : operation == .encode ? encoders.map { _ in operation } : [operation]
        }
        let sweepSteps = settings.sweepSizes.flatMap { size in
            ["fp32", "int8"].flatMap { precision in
                Set([1, settings.threads]).sorted().map { (size, precision, $0) }
            }
        }
        let stepCount = steps.count + sweepSteps.count
        var stepsDone = 0
        var operations: [BenchmarkReport.OperationResult] = []

        /// Times `runs` calls of `body` (after the warm-up), reporting progress.
        func measure(_ step: String, runs: Int, warmup: Int, _ body: (Int) throws -> Void) rethrows -> LatencySummary {
            progress(BenchmarkProgress(step: step, stepsDone: stepsDone, steps: stepCount, runsDone: 0, runs: runs))
            for run in 0..<warmup { try body(run) }
            var samples: [UInt64] = []
            samples.reserveCapacity(runs)
            for run in 0..<runs {
                let start = clock().uptimeNanoseconds
                try body(warmup + run)
                samples.append(clock().uptimeNanoseconds - start)
                if run % 10 == 9 || run == runs - 1 {
                    progress(
                        BenchmarkProgress(
                            step: step, stepsDone: stepsDone, steps: stepCount, runsDone: run + 1, runs: runs))
                }
            }
            return LatencySummary(nanoseconds: samples)
        }
        func record(_ result: BenchmarkReport.OperationResult) {
            operations.append(result)
            stepsDone += 1
            finished(result)
        }
        /// Runs `body` over batches of queries and summarises batch times.
        func batches(_ step: String, _ body: ([Int]) throws -> Void) rethrows -> BenchmarkReport.BatchResult {
            let size = settings.batchSize
            let summary = try measure(step + " (batches)", runs: settings.batchRuns, warmup: 1) { run in
                try body((0..<size).map { (run * size + $0) % queries.count })
            }
            return BenchmarkReport.BatchResult(
                size: size, threads: settings.threads, latency: summary,
                queriesPerSecond: summary.mean > 0 ? Double(size) * 1_000_000 / summary.mean : 0)
        }

        let limit = settings.limit
        let runs = settings.searchRuns
        let warmup = settings.warmup
        let threads = settings.threads
        func query(_ run: Int) -> String { queries[run % queries.count] }

        // Searches from text to cited results, in each mode.
        let modes: [(BenchmarkOperation, String, SearchOptions)] =
            [(.lexical, "BM25 search from text to 10 cited passages", SearchOptions(mode: .lexical))]
            + (hasModel
                ? [
                    (
                        .denseFP32, "encode the query, exact fp32 search, 10 cited passages",
                        SearchOptions(mode: .dense)
                    ),
                    (
                        .denseInt8, "encode the query, int8 search re-scored in fp32, 10 cited passages",
                        SearchOptions(mode: .dense, usesQuantizedVectors: true)
                    ),
                    (
                        .hybrid, "BM25 and dense (fp32) fused by reciprocal rank, 10 cited passages",
                        SearchOptions(mode: .hybrid)
                    ),
                ] : [])
        var stageNanoseconds: [SearchStage: UInt64] = [:]
        var stageQueries = 0
        for (operation, detail, options) in modes where measures(operation) {
            let name = operation.rawValue
            let stages = operation == .hybrid ? SearchStageTimes() : nil
            let latency = try measure(name, runs: runs, warmup: warmup) { run in
                if run == warmup { stages?.reset() }
                _ = try retriever.search(query(run), limit: limit, options: options, stages: stages)
            }
            if let stages {
                stageNanoseconds = stages.nanoseconds
                stageQueries = runs
            }
            let batch = try batches(name) { indices in
                _ = try Self.parallelMap(indices, threads: threads) { position in
                    try retriever.search(queries[position], limit: limit, options: options)
                }
            }
            record(.init(name: name, detail: detail, latency: latency, batch: batch))
        }

        // BM25 scoring alone: analyzed terms to 10 passage numbers (what bm25s and rank_bm25 return).
        if measures(.bm25Scoring) {
            let analyzed = queries.map { retriever.terms(of: $0) }
            let scoring = retriever.index.configuration.scoring
            let bm25 = measure("bm25-scoring", runs: runs, warmup: warmup) { run in
                _ = retriever.index.lexical.search(
                    terms: analyzed[run % analyzed.count], limit: limit, scoring: scoring)
            }
            let bm25Batch = batches("bm25-scoring") { indices in
                _ = Self.parallelMap(indices, threads: threads) { position in
                    retriever.index.lexical.search(terms: analyzed[position], limit: limit, scoring: scoring).count
                }
            }
            record(
                .init(
                    name: "bm25-scoring", detail: "BM25 top 10 from analyzed terms, no citations (as bm25s returns)",
                    latency: bm25, batch: bm25Batch))
        }

        if let embedder = retriever.embedder, let vectors = retriever.index.vectors,
            let quantized = retriever.index.quantizedVectors
        {
            // The vector kernels alone: a query vector to 10 passage numbers (what FAISS returns).
            let queryVectors =
                measures(.vectorsFP32) || measures(.vectorsInt8) || measures(.vectorsIVF) || measures(.vectorsHNSW)
                ? embedder.embed(queries) : []
            let kernels:
                [(operation: BenchmarkOperation, detail: String, single: ([Float]) -> Void, batch: ([[Float]]) -> Void)] =
                    [
                        (
                            .vectorsFP32, "exact fp32 top 10 from a query vector, one thread (as FAISS)",
                            { _ = vectors.search($0, limit: limit) },
                            { _ = vectors.search(batch: $0, limit: limit, threadCount: threads) }
                        ),
                        (
                            .vectorsInt8, "int8 top 10 re-scored in fp32 from a query vector, one thread",
                            { _ = quantized.search($0, limit: limit) },
                            { _ = quantized.search(batch: $0, limit: limit, threadCount: threads) }
                        ),
                    ]
            for kernel in kernels where measures(kernel.operation) {
                let name = kernel.operation.rawValue
                let latency = measure(name, runs: runs, warmup: warmup) { run in
                    kernel.single(queryVectors[run % queryVectors.count])
                }
                let batch = batches(name) { indices in kernel.batch(indices.map { queryVectors[$0] }) }
                record(.init(name: name, detail: kernel.detail, latency: latency, batch: batch))
            }
            if measures(.vectorsIVF) {
                progress(
                    BenchmarkProgress(
                        step: "vectors-ivf: clustering", stepsDone: stepsDone, steps: stepCount, runsDone: 0, runs: 0))
                let ivf: IVFVectorIndex
                if case .ivf(let own) = retriever.index.approximateIndex {
                    ivf = own
                } else {
                    ivf = IVFVectorIndex(clustering: vectors, threadCount: threads)
                }
                let recall = ivf.recall(against: vectors, queries: queryVectors, limit: limit)
                let latency = measure("vectors-ivf", runs: runs, warmup: warmup) { run in
                    _ = ivf.search(queryVectors[run % queryVectors.count], limit: limit)
                }
                let batch = batches("vectors-ivf") { indices in
                    _ = ivf.search(batch: indices.map { queryVectors[$0] }, limit: limit, threadCount: threads)
                }
                record(
                    .init(
                        name: "vectors-ivf",
                        detail: "approximate top 10 from a query vector, one thread: IVF, \(ivf.defaultProbes) of "
                            + "\(ivf.listCount) lists scanned, recall@10 \(String(format: "%.3f", recall)) against exact",
                        latency: latency, batch: batch, recallAt10: recall))
            }
            if measures(.vectorsHNSW) {
                progress(
                    BenchmarkProgress(
                        step: "vectors-hnsw: linking", stepsDone: stepsDone, steps: stepCount, runsDone: 0, runs: 0))
                let started = clock().uptimeNanoseconds
                let graph = HNSWVectorIndex(
                    building: vectors, maxNeighbors: 32, constructionWidth: 200, threadCount: threads
                ).searchingAsAnIndex(codes: quantized)
                let buildSeconds = Double(clock().uptimeNanoseconds - started) / 1e9
                let recall = graph.recall(against: vectors, queries: queryVectors, limit: limit)
                let latency = measure("vectors-hnsw", runs: runs, warmup: warmup) { run in
                    _ = graph.search(queryVectors[run % queryVectors.count], limit: limit)
                }
                record(
                    .init(
                        name: "vectors-hnsw",
                        detail: "approximate top 10 from a query vector, one thread: HNSW (M 32, efConstruction 200, "
                            + "efSearch 64\(graph.walksCodes ? ", walking int8 codes" : "")) linked in "
                            + "\(String(format: "%.1f", buildSeconds)) s on "
                            + "\(threads) thread(s), recall@10 "
                            + "\(String(format: "%.3f", recall)) against exact",
                        latency: latency, batch: nil, recallAt10: recall))
            }

            if measures(.ask) {
                let answerer = ExtractiveAnswerer(retriever: retriever)
                let ask = try measure("ask", runs: settings.askRuns, warmup: min(warmup, 5)) { run in
                    _ = try answerer.answer(query(run))
                }
                record(
                    .init(name: "ask", detail: "an extractive answer of 5 cited sentences", latency: ask, batch: nil))
            }

            if let verifier, measures(.verifyPair) {
                // Pairs of two sentences drawn from the index: the lengths of a claim and a source sentence.
                let pairs = queries.indices.map { (claim: queries[$0], evidence: queries[($0 + 1) % queries.count]) }
                let single = measure("verify-pair", runs: settings.askRuns, warmup: min(warmup, 5)) { run in
                    _ = verifier.verify([pairs[run % pairs.count]])
                }
                let batch = batches("verify-pair") { indices in _ = verifier.verify(indices.map { pairs[$0] }) }
                record(
                    .init(
                        name: "verify-pair",
                        detail: "the claim verifier reading a (claim, sentence) pair; batches: pairs per second",
                        latency: single, batch: batch))
            }

            var grounders: [(BenchmarkOperation, Grounder, String)] = [
                (.ground, Grounder(retriever: retriever, configuration: settings.grounding), "")
            ]
            if let verifier {
                grounders.append(
                    (
                        .groundVerified,
                        Grounder(retriever: retriever, configuration: settings.grounding, verifier: verifier),
                        ", verifier on"
                    ))
            }
            for (operation, grounder, note) in grounders where measures(operation) {
                for size in settings.answerSizes {
                    let name = operation.reportName(claims: size)
                    let answers = try (0..<4).map {
                        try Self.answer(claims: size, from: retriever.index, seed: UInt64($0))
                    }
                    let latency = try measure(name, runs: settings.groundRuns, warmup: 2) { run in
                        _ = try grounder.ground(answer: answers[run % answers.count])
                    }
                    record(
                        .init(
                            name: name,
                            detail: "ground an answer of \(size) claims (sentences of the index with words "
                                + "dropped)\(note)",
                            latency: latency, batch: nil))
                }
            }
        }

        // The encoder alone: passages of the index embedded as `evident index` embeds them.
        if measures(.encode), hasModel, !encoders.isEmpty {
            let texts = try Self.encodeTexts(from: retriever.index, count: settings.encodeTexts)
            var reference: [[Float]]?
            let previousThreads = Parallelism.matrixProductThreads
            defer { Parallelism.matrixProductThreads = previousThreads }
            for embedder in encoders where !texts.isEmpty {
                let precision = embedder.encoder.precision
                let name = "encode-\(precision.rawValue)"
                // In low precision the encoder shares the work between the cores itself (as `evident index` runs
                // it); in fp32 OpenBLAS does, on the run's threads.
                Parallelism.matrixProductThreads = precision == .fp32 ? threads : 1
                let limit = embedder.encoder.maximumSequenceLength
                let tokens = embedder.tokenizer.tokenIDs(for: texts).reduce(0) { $0 + min($1.count, limit) }
                var vectors: [[Float]] = []
                let (single, passes) = Parallelism.$callerThreadOnly.withValue(threads == 1) {
                    let single = measure(name, runs: settings.encodeSingleRuns, warmup: min(warmup, 5)) { run in
                        _ = embedder.embed([texts[run % texts.count]])
                    }
                    let passes = measure(name + " (all \(texts.count))", runs: settings.encodeRuns, warmup: 1) { _ in
                        vectors = embedder.embed(texts, batchSize: settings.encodeBatchSize)
                    }
                    return (single, passes)
                }
                let worstCosine = reference.map { reference in
                    zip(vectors, reference).map { Double(Kernels.dotProduct($0, $1)) }.min() ?? 1
                }
                if reference == nil, precision == .fp32 { reference = vectors }
                let perSecond = passes.mean > 0 ? 1_000_000 / passes.mean : 0
                record(
                    .init(
                        name: name,
                        detail: "embed passages of the index at \(precision.rawValue), one at a time; batches: all "
                            + "\(texts.count) in batches of \(settings.encodeBatchSize) (passages/s), as `evident "
                            + "index` embeds them",
                        latency: single,
                        batch: .init(
                            size: texts.count, threads: threads, latency: passes,
                            queriesPerSecond: Double(texts.count) * perSecond),
                        encoding: .init(
                            precision: precision.rawValue, texts: texts.count, tokens: tokens,
                            passagesPerSecond: Double(texts.count) * perSecond,
                            tokensPerSecond: Double(tokens) * perSecond, worstCosineToFP32: worstCosine)))
            }
        }

        let stageTotal = stageNanoseconds.values.reduce(0, +)
        let stages = SearchStage.allCases.compactMap { stage -> BenchmarkReport.StageResult? in
            guard let nanoseconds = stageNanoseconds[stage], stageQueries > 0 else { return nil }
            return BenchmarkReport.StageResult(
                stage: stage, meanMicroseconds: Double(nanoseconds) / Double(stageQueries) / 1000,
                share: stageTotal > 0 ? Double(nanoseconds) / Double(stageTotal) : 0)
        }

        // Dense search over synthetic unit vectors of growing size.
        var sweep: [BenchmarkReport.SweepResult] = []
        let dimension = retriever.index.vectors?.dimension ?? 384
        var generator = SplitMix64(seed: 7)
        let sweepQueries = (0..<64).map { _ in Self.unitVector(dimension: dimension, generator: &generator) }
        for size in Set(settings.sweepSizes).sorted() {
            progress(
                BenchmarkProgress(
                    step: "sweep: making \(size) vectors", stepsDone: stepsDone, steps: stepCount, runsDone: 0,
                    runs: 1))
            var data: [Float] = []
            data.reserveCapacity(size * dimension)
            for _ in 0..<size { data += Self.unitVector(dimension: dimension, generator: &generator) }
            let flat = FlatVectorIndex(dimension: dimension, vectors: data)
            data = []
            let quantized = Int8VectorIndex(quantizing: flat)
            for (stepSize, precision, threadCount) in sweepSteps where stepSize == size {
                let latency = measure(
                    "sweep \(size) \(precision) \(threadCount) thread(s)", runs: settings.sweepRuns, warmup: 3
                ) { run in
                    let vector = sweepQueries[run % sweepQueries.count]
                    _ =
                        precision == "fp32"
                        ? flat.search(vector, limit: limit, threadCount: threadCount)
                        : quantized.search(vector, limit: limit, threadCount: threadCount)
                }
                sweep.append(.init(vectors: size, precision: precision, threads: threadCount, latency: latency))
                stepsDone += 1
            }
        }

        let formatter = ISO8601DateFormatter()
        return BenchmarkReport(
            createdAt: formatter.string(from: started), evidentVersion: evidentVersion, machine: .current,
            index: index,
            settings: .init(
                querySource: querySource, queries: queries.count, warmup: warmup, threads: threads,
                batchSize: settings.batchSize, limit: limit),
            operations: operations, stages: stages, sweep: sweep, peers: nil,
            peakResidentBytes: MachineDescription.peakResidentBytes,
            totalSeconds: Double(clock().uptimeNanoseconds - begin) / 1e9)
    }

    /// The texts the `encode` operations embed: `count` passages spread evenly over the index (all of them when
    /// it has fewer), each as `evident index` embeds it (title and text).
    ///
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public static func encodeTexts(from index: EvidentIndex, count: Int) throws -> [String] {
        let total = index.passageCount
        let chosen = min(max(count, 0), total)
        return try (0..<chosen).map { position in
            let (passage, documentIndex) = try index.passageRecord(at: position * total / chosen)
            return index.configuration.indexedText(of: passage, in: index.documentHeader(at: documentIndex).title)
        }
    }

    /// A random unit vector.
    static func unitVector(dimension: Int, generator: inout SplitMix64) -> [Float] {
        let vector = (0..<dimension).map { _ in generator.gaussian() }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// An answer of `claims` sentences drawn from the index (words dropped, as the drawn queries), one per line.
    static func answer(claims: Int, from index: EvidentIndex, seed: UInt64) throws -> String {
        try BenchmarkQueries.drawn(from: index, count: claims, seed: 1000 + seed)
            .map { $0.hasSuffix(".") ? $0 : $0 + "." }
            .joined(separator: "\n")
    }

    /// `transform` over `items` on `threads` threads (in order); on one thread, a plain loop.
    static func parallelMap<Result: Sendable>(
        _ items: [Int], threads: Int, _ transform: @Sendable (Int) throws -> Result
    ) rethrows -> [Result] {
        guard threads > 1, items.count > 1 else { return try items.map(transform) }
        let parts = min(threads, items.count)
        let chunks = (0..<parts).map { part in
            Array(items[(part * items.count / parts)..<((part + 1) * items.count / parts)])
        }
        return try chunks.concurrentMap { chunk in try chunk.map(transform) }.flatMap { $0 }
    }
}
