import EvidentTestSupport
import Foundation
import Testing

@testable import Evident
@testable import EvidentBenchmarking

@Suite(.offThePool) struct LatencySummaryTests {
    @Test func percentilesAreNearestRankInMicroseconds() {
        // 1 … 100 microseconds, shuffled.
        let samples = (1...100).map { UInt64($0 * 1000) }.shuffled()
        let summary = LatencySummary(nanoseconds: samples)
        #expect(summary.samples == 100)
        #expect(summary.p50 == 50)
        #expect(summary.p95 == 95)
        #expect(summary.p99 == 99)
        #expect(summary.max == 100)
        #expect(abs(summary.mean - 50.5) < 1e-9)
        #expect(abs(summary.perSecond - 1_000_000 / 50.5) < 1e-6)
        let single = LatencySummary(nanoseconds: [2500])
        #expect(single.p50 == 2.5 && single.p99 == 2.5 && single.max == 2.5)
    }
}

@Suite(.offThePool) struct BenchmarkQueriesTests {
    @Test func queryFilesArePlainLinesOrBEIRJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("queries-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("queries.txt")
        try Data("first query\n\n  second query  \n".utf8).write(to: plain)
        #expect(try BenchmarkQueries.read(from: plain) == ["first query", "second query"])
        let beir = directory.appendingPathComponent("queries.jsonl")
        try Data(#"{"_id": "1", "text": "a claim"}"#.utf8 + [0x0A] + #"{"_id": "2", "text": "another"}"#.utf8)
            .write(to: beir)
        #expect(try BenchmarkQueries.read(from: beir) == ["a claim", "another"])
        let bad = directory.appendingPathComponent("bad.jsonl")
        try Data("{\"_id\": \"1\", \"text\": \"good query\"}\n{\"_id\": \"2\"}\n".utf8).write(to: bad)
        let error = #expect(throws: EvaluationIssue.self) { try BenchmarkQueries.read(from: bad) }
        #expect(error?.line == 2)
        #expect(error?.description.contains("bad.jsonl:2") == true)
        let empty = directory.appendingPathComponent("empty.txt")
        try Data("\n \n".utf8).write(to: empty)
        #expect(throws: EvaluationIssue.self) { try BenchmarkQueries.read(from: empty) }
    }

    @Test func drawnQueriesAreDeterministicAndNotVerbatim() throws {
        let documents = try CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
            .read(at: SharedData.demoCorpus).documents
        let index = try EvidentIndex(build: IndexBuilder().build(documents: documents))
        let queries = try BenchmarkQueries.drawn(from: index, count: 30)
        #expect(queries.count == 30)
        #expect(try BenchmarkQueries.drawn(from: index, count: 30) == queries)
        #expect(try BenchmarkQueries.drawn(from: index, count: 30, seed: 2) != queries)
        let passages = try (0..<index.passageCount).map { try index.passage(at: $0).text }
        // Words were dropped: most queries are not a verbatim piece of any passage.
        let verbatim = queries.filter { query in passages.contains { $0.contains(query) } }
        #expect(verbatim.count < queries.count / 3)
        #expect(queries.allSatisfy { $0.split(separator: " ").count >= 4 })
    }
}

@Suite(.offThePool, .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
struct LatencyBenchmarkTests {
    @Test func aSmallRunMeasuresEveryOperationAndWritesAReport() async throws {
        let fixture = try #require(await DemoGroundingFixture.shared)
        var settings = BenchmarkSettings()
        settings.searchRuns = 5
        settings.warmup = 1
        settings.askRuns = 2
        settings.groundRuns = 1
        settings.answerSizes = [3]
        settings.batchSize = 4
        settings.batchRuns = 1
        settings.threads = 2
        settings.sweepSizes = [500]
        settings.sweepRuns = 3
        settings.encodeTexts = 6
        settings.encodeRuns = 1
        settings.encodeSingleRuns = 2
        let retriever = fixture.grounder.retriever
        let queries = try BenchmarkQueries.drawn(from: fixture.index, count: 10)
        var steps: [String] = []
        var finished: [String] = []
        let report = try LatencyBenchmark(retriever: retriever, settings: settings).run(
            queries: queries, querySource: "drawn",
            index: IndexDescription(
                path: "demo", documents: fixture.index.documentCount, passages: fixture.index.passageCount,
                sentenceVectors: fixture.index.sentenceVectors?.count ?? 0, model: "all-MiniLM-L6-v2", bytes: 1,
                loadSeconds: 0),
            progress: { if steps.last != $0.step { steps.append($0.step) } },
            finished: { finished.append($0.name) })
        let names = [
            "lexical", "dense-fp32", "dense-int8", "hybrid", "bm25-scoring", "vectors-fp32", "vectors-int8",
            "vectors-ivf", "ask", "ground-3", "encode-fp32",
        ]
        #expect(report.operations.map(\.name) == names)
        // The approximate index says what it finds of the exact top 10 (queries are sentences of the index).
        let recall = try #require(report.operations.first { $0.name == "vectors-ivf" }?.recallAt10)
        #expect(recall > 0.5 && recall <= 1, "recall@10 \(recall)")
        #expect(report.operations.allSatisfy { ($0.recallAt10 != nil) == ($0.name == "vectors-ivf") })
        #expect(finished == names)
        #expect(report.operations.first { $0.name == "hybrid" }?.latency.samples == 5)
        #expect(report.operations.first { $0.name == "hybrid" }?.batch?.size == 4)
        #expect(report.operations.allSatisfy { $0.latency.p50 > 0 && $0.latency.p50 <= $0.latency.max })
        // The hybrid stages: encoding, both searches, fusion and citations all took time.
        let stages = Set(report.stages.map(\.stage))
        #expect(stages.isSuperset(of: [.encoding, .lexicalSearch, .denseSearch, .fusion, .citations]))
        #expect(abs(report.stages.map(\.share).reduce(0, +) - 1) < 1e-9)
        // The sweep: fp32 and int8 at one and two threads.
        #expect(report.sweep.count == 4)
        #expect(report.sweep.allSatisfy { $0.vectors == 500 && $0.latency.samples == 3 })
        #expect(steps.contains("hybrid") && steps.contains { $0.hasPrefix("sweep") })
        #expect(report.peakResidentBytes > 0)
        // The encoder: 6 passages spread over the index, their tokens counted, all of them in one batch.
        let encode = try #require(report.operations.last?.encoding)
        let texts = try LatencyBenchmark.encodeTexts(from: fixture.index, count: 6)
        #expect(encode.texts == 6 && texts.count == 6 && Set(texts).count == 6)
        #expect(
            encode.tokens == retriever.embedder?.tokenizer.tokenIDs(for: texts).reduce(0) { $0 + min($1.count, 256) })
        #expect(encode.passagesPerSecond > 0 && encode.tokensPerSecond > encode.passagesPerSecond)
        #expect(encode.worstCosineToFP32 == nil)
        #expect(report.operations.last?.batch?.size == 6)
        #expect(report.charts["encode.svg"]?.contains("Evident fp32") == true)

        // JSON round trip and Markdown.
        let decoded = try JSONDecoder().decode(BenchmarkReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
        let markdown = report.markdown
        for name in names { #expect(markdown.contains("`\(name)`")) }
        #expect(markdown.contains("## The encoder"))
        #expect(markdown.contains("## Where a hybrid query's time goes"))
        #expect(markdown.contains("## Dense search against corpus size"))
    }

    @Test func encodeOperationsAreNamedByPrecisionAndComparedWithFP32() async throws {
        #expect(BenchmarkOperation(name: "encode-bf16") == .encode)
        #expect(BenchmarkOperation(name: "encode") == .encode)
        #expect(BenchmarkOperation(name: "encode-int4") == nil)
        let fixture = try #require(await DemoGroundingFixture.shared)
        let retriever = fixture.grounder.retriever
        let fp32 = try #require(retriever.embedder)
        let bf16 = try SentenceEmbedder(directory: #require(SharedData.miniLMModel), precision: .bf16)
        var settings = BenchmarkSettings()
        settings.operations = [.encode]
        settings.encodeTexts = 8
        settings.encodeRuns = 1
        settings.encodeSingleRuns = 2
        settings.warmup = 1
        let report = try LatencyBenchmark(retriever: retriever, encoders: [fp32, bf16], settings: settings).run(
            queries: ["a query"], querySource: "given",
            index: IndexDescription(
                path: "demo", documents: 1, passages: fixture.index.passageCount, sentenceVectors: 0, model: nil,
                bytes: 1, loadSeconds: 0))
        let precisions = bf16.encoder.precision == .bf16 ? ["fp32", "bf16"] : ["fp32", "fp32"]
        #expect(report.operations.map(\.name) == precisions.map { "encode-\($0)" })
        #expect(report.operations.compactMap(\.encoding).map(\.precision) == precisions)
        // The second encoder's vectors against the first's: bf16 keeps the gate of the encoder tests (0.999).
        let worst = try #require(report.operations.last?.encoding?.worstCosineToFP32)
        #expect(worst >= 0.999 && worst <= 1.0001)
    }

    @Test func peersAreComparedWithTheMatchingOperation() throws {
        let latency = LatencySummary(nanoseconds: [100_000])  // 100 µs
        var report = BenchmarkReport(
            createdAt: "", evidentVersion: "", machine: .current,
            index: IndexDescription(
                path: "i", documents: 1, passages: 1, sentenceVectors: 0, model: nil, bytes: 1, loadSeconds: 0),
            settings: .init(querySource: "", queries: 1, warmup: 0, threads: 1, batchSize: 64, limit: 10),
            operations: [
                .init(
                    name: "vectors-fp32", detail: "", latency: latency,
                    batch: .init(size: 64, threads: 1, latency: latency, queriesPerSecond: 6400)),
                .init(name: "bm25-scoring", detail: "", latency: LatencySummary(nanoseconds: [50_000]), batch: nil),
                .init(
                    name: "encode-bf16", detail: "", latency: latency, batch: nil,
                    encoding: .init(
                        precision: "bf16", texts: 100, tokens: 20_000, passagesPerSecond: 120,
                        tokensPerSecond: 24_000, worstCosineToFP32: 0.9999)),
            ],
            stages: [],
            sweep: [
                .init(vectors: 10_000, precision: "fp32", threads: 1, latency: LatencySummary(nanoseconds: [20_000]))
            ],
            peers: nil, peakResidentBytes: 0, totalSeconds: 0)
        let peersJSON = """
            {"versions": {"faiss": "1.15.1"}, "results": [
              {"engine": "faiss", "method": "IndexFlatIP", "kind": "dense", "data": "index", "count": 5, "threads": 1,
               "batch": 1, "p50_us": 250.0, "qps": 4000},
              {"engine": "faiss", "method": "IndexFlatIP", "kind": "dense", "data": "index", "count": 5, "threads": 1,
               "batch": 64, "p50_us": 20000.0, "qps": 3200},
              {"engine": "bm25s", "method": "lucene", "kind": "lexical", "data": "index", "count": 5, "threads": 1,
               "batch": 1, "p50_us": 500.0, "qps": 2000},
              {"engine": "faiss", "method": "IndexFlatIP", "kind": "dense", "data": "synthetic", "count": 10000,
               "threads": 1, "batch": 1, "p50_us": 30.0, "qps": 30000},
              {"engine": "ONNX Runtime", "method": "1.23 int8 (dynamic)", "kind": "encode", "data": "index",
               "count": 100, "threads": 1, "batch": 32, "qps": 80, "tokens_per_second": 16000, "worst_cosine": 0.85,
               "padded_share": 0.12}
            ]}
            """
        report.peers = try JSONDecoder().decode(PeerReport.self, from: Data(peersJSON.utf8))
        #expect(report.peerComparisons.map(\.latencyRatio) == [2.5, nil, 10.0, 1.5, nil])
        // Ours one at a time: 10,000 q/s (vectors), 20,000 (BM25), 50,000 (sweep); batches 6,400 against 3,200;
        // the encoder: 120 passages/s against 80.
        #expect(report.peerComparisons.map(\.throughputRatio) == [2.5, 2.0, 10.0, 50_000.0 / 30_000, 1.5])
        #expect(report.peers?.results.last?.tokensPerSecond == 16000)
        #expect(report.peers?.results.last?.paddedShare == 0.12)
        let chart = try #require(report.charts["encode.svg"])
        #expect(chart.contains("Evident bf16") && chart.contains("ONNX Runtime 1.23 int8 (dynamic)"))
        #expect(report.markdown.contains("## Peers on the same data"))
        #expect(report.markdown.contains("2.50×"))
    }
}
