import ArgumentParser
import Evident
import EvidentBenchmarking
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure search, ask and grounding latency on an index, with peers side by side, and write a report.",
        discussion: """
            Runs warm-up, then timed repetitions of search (lexical, dense fp32, dense int8, hybrid), the BM25 and \
            vector kernels alone, ask, grounding answers of 5 and 20 claims, and the encoder alone at each \
            precision the processor runs (encode-fp32, encode-int16, encode-int8, encode-bf16: passages and tokens \
            per second); reports \
            p50/p95/p99/max latency, queries per second one at a time and in batches, where a hybrid query's time \
            goes, peak memory, index load time and size. With a claim verifier (--verifier DIR, or \
            evident-verifier when it is found), also the verifier's cost per (claim, sentence) pair and grounding \
            with it. With --compare-peers, FAISS, bm25s and rank_bm25 on the same data and, beside the encoder, \
            sentence-transformers and ONNX Runtime on the same passages. Writes report.json, report.md and SVG \
            charts into --out.
            """)

    @Argument(help: "An index directory written by `evident index` (with a model for everything but lexical search).")
    var index: String?
    @Option(
        help: ArgumentHelp(
            "Write report.md and the charts again from a report.json of an earlier run, without measuring.",
            valueName: "report.json"))
    var render: String?
    @Option(help: "Queries: one per line, or a BEIR queries.jsonl. Default: sentences drawn from the index.")
    var queries: String?
    @Option(help: "Queries to draw from the index when --queries is not given.") var queryCount = 200
    @Option(help: "Timed single queries per search operation.") var runs = 200
    @Flag(help: "Also measure dense search over 10k, 100k and 1M synthetic vectors (fp32 and int8, 1 and N threads).")
    var sweep = false
    @Option(help: "Corpus sizes for --sweep, comma-separated.") var sweepSizes = "10000,100000,1000000"
    @Option(help: "Threads for batches and the sweep's multi-threaded points (default: all cores).") var threads: Int?
    @Option(
        help: ArgumentHelp(
            "Also measure approximate search (IVF, HNSW) over synthetic corpora of these sizes, comma-separated.",
            discussion:
                "Each corpus is drawn from a Gaussian mixture fitted to the index's own vectors; recall@10 against "
                + "exact search and queries/s on one thread are measured at growing search breadths, and with "
                + "--compare-peers FAISS, hnswlib and usearch run on the same vectors. 1000000 took 34 minutes "
                + "on 2 cores with the peers (9 of them ours); its vectors alone are 1.5 GB of memory.",
            valueName: "sizes"))
    var annSizes: String?
    @Option(help: "Queries per corpus of --ann-sizes.") var annQueries = 1000
    @Option(help: "Where to write report.json, report.md and the charts.") var out = "bench-report"
    @Flag(help: "Run the peers (FAISS, bm25s, rank_bm25) on the same data through Scripts/bench-peers.sh.")
    var comparePeers = false
    @Option(help: "The peers script, for --compare-peers.") var peersScript = "Scripts/bench-peers.sh"
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @Option(help: "Passages of the index the encode operations embed, spread evenly over it (--quick: 32).")
    var encodeTexts = 256
    @Flag(help: "Fewer repetitions (for a quick look; percentiles are rougher).") var quick = false
    @Option(
        help: ArgumentHelp(
            "Measure only these operations, comma-separated: "
                + BenchmarkOperation.allCases.map(\.rawValue).joined(separator: ", ") + " (default: all).",
            valueName: "names"))
    var operations: String?
    @OptionGroup var verification: VerifierOptions

    func validate() throws {
        guard (index == nil) != (render == nil) else {
            throw ValidationError("Give an index directory to measure, or --render REPORT.json (not both).")
        }
        guard queryCount > 0 else { throw ValidationError("--query-count must be at least 1.") }
        guard runs > 0 else { throw ValidationError("--runs must be at least 1.") }
        guard encodeTexts > 0 else { throw ValidationError("--encode-texts must be at least 1.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if let names = operationNames {
            let unknown = names.filter { BenchmarkOperation(name: $0) == nil }.sorted()
            guard unknown.isEmpty, !names.isEmpty else {
                throw ValidationError(
                    "--operations: unknown \(unknown.isEmpty ? "(empty list)" : unknown.joined(separator: ", ")); "
                        + "choose from \(BenchmarkOperation.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
        }
        guard sizes != nil else {
            throw ValidationError("--sweep-sizes must be positive whole numbers separated by commas, as 10000,100000.")
        }
        if annSizes != nil, approximateSizes == nil {
            throw ValidationError("--ann-sizes must be whole numbers of at least 100 separated by commas, as 1000000.")
        }
        guard annQueries > 0 else { throw ValidationError("--ann-queries must be at least 1.") }
    }

    /// The sizes --ann-sizes names; `nil` when it is malformed.
    private var approximateSizes: [Int]? {
        guard let annSizes else { return [] }
        let parts = annSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 100 }) else { return nil }
        return parts.compactMap { $0 }
    }

    /// The names given to --operations.
    private var operationNames: [String]? {
        operations.map { list in
            list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// The operations --operations names (`ground-5` and `ground-20` are both `.ground`).
    private var selectedOperations: Set<BenchmarkOperation>? {
        operationNames.map { Set($0.compactMap(BenchmarkOperation.init(name:))) }
    }

    private var sizes: [Int]? {
        let parts = sweepSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    func run() throws {
        if let render {
            let report: BenchmarkReport
            do {
                report = try JSONDecoder().decode(
                    BenchmarkReport.self, from: Data(contentsOf: URL(fileURLWithPath: render)))
            } catch {
                throw CommandFailure("\(render): not a report.json of `evident bench` (\(error))")
            }
            try write(report)
            print("report: \(out)/report.md, \(out)/report.json, charts in \(out)/")
            return
        }
        guard let index else { return }
        let progress = ProgressLine()
        progress.update("opening \(index)…", force: true)
        let start = Terminal.now()
        let evidentIndex = try openIndex(index)
        let loadSeconds = Terminal.now() - start
        let retriever = try modelRetriever(
            for: evidentIndex, model: model, withoutVectors: "measuring lexical search only", purpose: "the benchmark")
        let queryList: [String]
        let source: String
        if let queries {
            do {
                queryList = try BenchmarkQueries.read(from: URL(fileURLWithPath: queries))
            } catch let error as EvaluationIssue {
                throw CommandFailure(error.description)
            }
            source = queries
        } else {
            queryList = try BenchmarkQueries.drawn(from: evidentIndex, count: queryCount)
            source = "drawn from the index: sentences with one word in four dropped"
            guard !queryList.isEmpty else {
                throw CommandFailure("\(index): no sentence of six words or more to draw queries from; pass --queries")
            }
        }

        var settings = BenchmarkSettings()
        settings.searchRuns = quick ? min(runs, 50) : runs
        settings.warmup = quick ? 5 : settings.warmup
        settings.askRuns = quick ? 10 : settings.askRuns
        settings.groundRuns = quick ? 4 : settings.groundRuns
        settings.batchRuns = quick ? 2 : settings.batchRuns
        settings.sweepRuns = quick ? 10 : settings.sweepRuns
        settings.encodeTexts = quick ? min(encodeTexts, 32) : encodeTexts
        settings.encodeRuns = quick ? 1 : settings.encodeRuns
        settings.encodeSingleRuns = quick ? 10 : settings.encodeSingleRuns
        if let threads { settings.threads = threads }
        if sweep { settings.sweepSizes = sizes ?? [] }
        settings.operations = selectedOperations
        settings.grounding = verification.configuration()
        let verifier = try verification.load()
        if verifier == nil, let selected = selectedOperations, selected.contains(where: \.needsVerifier) {
            throw CommandFailure(
                "--operations: verify-pair and ground-N-verified need the claim verifier; pass --verifier DIR or "
                    + "train it with Scripts/train-verifier.sh")
        }

        let bytes = evidentIndex.manifest.fileBytes
        let description = IndexDescription(
            path: index, documents: evidentIndex.documentCount, passages: evidentIndex.passageCount,
            sentenceVectors: evidentIndex.sentenceVectorCount,
            model: evidentIndex.configuration.embedding?.modelID, bytes: bytes, loadSeconds: loadSeconds,
            build: evidentIndex.manifest.build)

        print(
            "Benchmarking \(index) (\(Format.count(evidentIndex.passageCount)) passages) with "
                + "\(Format.count(queryList.count)) queries; threads for batches: \(settings.threads)")
        print(Self.tableHeader)
        let encoders = try self.encoders(for: evidentIndex, retriever: retriever, settings: settings)
        var report = try LatencyBenchmark(
            retriever: retriever, verifier: verifier, encoders: encoders, settings: settings
        ).run(
            queries: queryList, querySource: source, index: description,
            progress: { state in
                let fraction = state.runs > 0 ? Double(state.runsDone) / Double(state.runs) : 0
                progress.update(
                    "[\(state.stepsDone + 1)/\(state.steps)] \(Self.bar(fraction)) \(state.step): "
                        + "\(state.runsDone)/\(state.runs)")
            },
            finished: { operation in
                progress.finish()
                print(Self.row(operation))
            })
        progress.finish()
        if let sizes = approximateSizes, !sizes.isEmpty {
            let started = Terminal.now()
            report.approximate = try measureApproximate(sizes: sizes, index: evidentIndex, settings: settings)
            report.totalSeconds += Terminal.now() - started
            report.peakResidentBytes = MachineDescription.peakResidentBytes
        }

        if comparePeers {
            report.peers = try runPeers(
                retriever: retriever, queries: queryList,
                encodeTexts: report.operations.contains { $0.encoding != nil }
                    ? LatencyBenchmark.encodeTexts(from: evidentIndex, count: settings.encodeTexts) : [],
                settings: settings)
        }
        try write(report)
        if !report.stages.isEmpty {
            let stages = report.stages.map {
                "\($0.stage.rawValue) \(Format.decimal($0.meanMicroseconds, places: 0)) µs"
            }
            print("hybrid stages (mean): " + stages.joined(separator: ", "))
        }
        for point in report.sweep {
            print(
                "sweep \(Format.count(point.vectors)) \(point.precision) \(point.threads) thread(s): p50 "
                    + "\(Format.decimal(point.latency.p50 / 1000, places: 3)) ms, p99 "
                    + "\(Format.decimal(point.latency.p99 / 1000, places: 3)) ms")
        }
        for comparison in report.peerComparisons {
            let peer = comparison.peer
            var ratios: [String] = []
            if let ratio = comparison.latencyRatio { ratios.append("p50 \(Format.decimal(ratio, places: 2))×") }
            if let ratio = comparison.throughputRatio {
                ratios.append("queries/s \(Format.decimal(ratio, places: 2))×")
            }
            guard !ratios.isEmpty else { continue }
            print(
                "vs \(peer.engine) \(peer.method) (\(peer.data) \(Format.count(peer.count)), batch \(peer.batch), "
                    + "\(peer.threads) thread(s)): " + ratios.joined(separator: ", "))
        }
        print(
            "peak memory \(Format.bytes(report.peakResidentBytes)); index \(Format.bytes(bytes)), opened in "
                + "\(Format.decimal(loadSeconds * 1000, places: 0)) ms; run \(Format.seconds(report.totalSeconds))")
        print("report: \(out)/report.md, \(out)/report.json, charts in \(out)/")
    }

    /// The embedders the encode operations measure: the retriever's (fp32), then every low-precision path the
    /// processor runs (int16, int8, bf16).
    private func encoders(for index: EvidentIndex, retriever: Retriever, settings: BenchmarkSettings) throws
        -> [SentenceEmbedder]
    {
        guard let fp32 = retriever.embedder, let modelID = index.configuration.embedding?.modelID,
            settings.operations?.contains(.encode) ?? true
        else { return [] }
        guard let directory = ModelLocation.directory(for: modelID, given: model) else { return [fp32] }
        let precisions = [EncoderPrecision.int16, .int8, .bf16].filter(\.isAvailable)
        if precisions.count < 3 {
            let missing = [EncoderPrecision.int16, .int8, .bf16].filter { !$0.isAvailable }.map(\.rawValue)
            Terminal.writeError(
                "note: this processor runs no \(missing.joined(separator: ", ")) kernel; the encoder is not measured "
                    + "at \(missing.count == 1 ? "that precision" : "those precisions")\n")
        }
        return try [fp32]
            + precisions.map { precision in
                do {
                    return try SentenceEmbedder(directory: directory, precision: precision)
                } catch {
                    throw CommandFailure("\(directory.path): cannot load the model in \(precision) (\(error))")
                }
            }
    }

    /// The approximate sweep over synthetic corpora shaped as the index's vectors (with the peers' files beside the
    /// report when they run).
    private func measureApproximate(sizes: [Int], index: EvidentIndex, settings: BenchmarkSettings) throws
        -> BenchmarkReport.ApproximateSweep
    {
        guard let vectors = index.vectors, vectors.count >= 2 else {
            throw CommandFailure(
                "--ann-sizes: the synthetic corpora are fitted to the index's passage vectors, and "
                    + "\(self.index ?? "the index") has none; index with a model (evident index --model DIR)")
        }
        let progress = ProgressLine()
        progress.update("approximate: fitting a mixture to \(Format.count(vectors.count)) vectors…", force: true)
        var sweepSettings = ApproximateSweepSettings()
        sweepSettings.sizes = sizes
        sweepSettings.queries = annQueries
        sweepSettings.threads = settings.threads
        // The queries: sentences of the index, spread evenly over it (as `evident info --recall` measures).
        let sentences = index.sentenceVectorCount
        let realQueries =
            sentences > 0
            ? (0..<min(annQueries, sentences)).map {
                index.sentenceVector(row: $0 * sentences / min(annQueries, sentences))
            }
            : nil
        let sweep = ApproximateSearchSweep(
            mixture: VectorMixture(fitting: vectors, threadCount: settings.threads), realQueries: realQueries,
            settings: sweepSettings)
        let result = try sweep.run(
            peerInput: comparePeers ? URL(fileURLWithPath: out).appendingPathComponent("peers-input") : nil,
            progress: { step in progress.update("approximate: \(step)") })
        progress.finish()
        for entry in result.results {
            let best = BenchmarkReport.fastest(entry, reaching: 0.95)
            print(
                "approximate \(Format.count(entry.vectors)) \(entry.method): built in "
                    + "\(Format.seconds(entry.buildSeconds)), \(Format.decimal(entry.bytesPerVector, places: 0)) "
                    + "bytes/vector; "
                    + (best.map {
                        "recall@10 \(Format.decimal($0.recallAt10, places: 3)) at \(entry.breadthName) \($0.breadth): "
                            + "\(Format.decimal($0.queriesPerSecond, places: 0)) queries/s"
                    } ?? "recall@10 0.95 not reached"))
        }
        return result
    }

    /// Writes the peers' input beside the report, runs the peers script on it, and reads its figures.
    private func runPeers(retriever: Retriever, queries: [String], encodeTexts: [String], settings: BenchmarkSettings)
        throws -> PeerReport
    {
        guard FileManager.default.isExecutableFile(atPath: peersScript) else {
            throw CommandFailure(
                "\(peersScript): not found or not executable; run from the repository's folder or pass --peers-script")
        }
        let input = URL(fileURLWithPath: out).appendingPathComponent("peers-input")
        print("peers: writing their input to \(input.path)…")
        try BenchmarkPeerInput.write(retriever: retriever, queries: queries, encodeTexts: encodeTexts, to: input)
        let output = URL(fileURLWithPath: out).appendingPathComponent("peers.json")
        var arguments = [input.path, output.path, "--threads", "1"]
        if !encodeTexts.isEmpty, let modelID = retriever.index.configuration.embedding?.modelID,
            let directory = ModelLocation.directory(for: modelID, given: model)
        {
            // The encoders run on the run's threads, as ours did; the searches on one.
            arguments += ["--encoder-model", directory.path, "--encoder-threads", "\(settings.threads)"]
        }
        if !settings.sweepSizes.isEmpty {
            arguments += ["--sizes", settings.sweepSizes.map(String.init).joined(separator: ",")]
        } else {
            arguments += ["--sizes", ""]
        }
        if let sizes = approximateSizes, !sizes.isEmpty {
            arguments += [
                "--ann-sizes", sizes.map(String.init).joined(separator: ","), "--build-threads", "\(settings.threads)",
            ]
        }
        if quick { arguments.append("--quick") }
        if let selected = settings.operations {
            // Only the peers of what was measured: FAISS beside the vector kernels, bm25s and rank_bm25 beside BM25.
            var skipped: [String] = []
            if selected.isDisjoint(with: [
                .vectorsFP32, .vectorsInt8, .vectorsIVF, .vectorsHNSW, .denseFP32, .denseInt8, .hybrid,
            ]) {
                skipped += ["flat", "hnsw"]
            }
            if selected.isDisjoint(with: [.bm25Scoring, .lexical, .hybrid]) { skipped += ["bm25s", "rank_bm25"] }
            if settings.sweepSizes.isEmpty { skipped.append("sweep") }
            if !selected.contains(.encode) { skipped.append("encoders") }
            if !skipped.isEmpty { arguments += ["--skip", skipped.joined(separator: ",")] }
        }
        print("peers: \(peersScript) \(arguments.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peersScript)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure("\(peersScript) failed (exit \(process.terminationStatus)); see its messages above")
        }
        do {
            return try JSONDecoder().decode(PeerReport.self, from: Data(contentsOf: output))
        } catch {
            throw CommandFailure("\(output.path): cannot read the peers' figures (\(error))")
        }
    }

    private func write(_ report: BenchmarkReport) throws {
        let directory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(report).write(to: directory.appendingPathComponent("report.json"))
            try Data(report.markdown.utf8).write(to: directory.appendingPathComponent("report.md"))
            for (name, svg) in report.charts {
                try Data(svg.utf8).write(to: directory.appendingPathComponent(name))
            }
        } catch {
            throw CommandFailure("\(out): cannot write the report (\(error.localizedDescription))")
        }
    }

    static let tableHeader =
        "operation        runs     p50 ms     p95 ms     p99 ms     max ms     ops/s   batch q/s"

    static func row(_ operation: BenchmarkReport.OperationResult) -> String {
        func column(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let latency = operation.latency
        func milliseconds(_ value: Double) -> String { Format.decimal(value / 1000, places: 3) }
        return operation.name.padding(toLength: 14, withPad: " ", startingAt: 0)
            + column("\(latency.samples)", 6) + column(milliseconds(latency.p50), 11)
            + column(milliseconds(latency.p95), 11) + column(milliseconds(latency.p99), 11)
            + column(milliseconds(latency.max), 11) + column(Format.decimal(latency.perSecond, places: 0), 10)
            + column(operation.batch.map { Format.decimal($0.queriesPerSecond, places: 0) } ?? "", 12)
    }

    static func bar(_ fraction: Double) -> String {
        let width = 20
        let filled = Int((max(0, min(1, fraction)) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
