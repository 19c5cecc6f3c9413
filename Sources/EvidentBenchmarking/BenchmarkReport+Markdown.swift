import Evident
import Foundation

extension BenchmarkReport {
    /// The report as Markdown: the machine and index, a table of every operation's latency and throughput, the
    /// stages of a hybrid query, the sweep, the peers with our ratio to them, and links to the charts.
    public var markdown: String {
        var lines: [String] = []
        lines.append("# Evident latency benchmark")
        lines.append("")
        lines.append("Run \(createdAt) by Evident \(evidentVersion) in \(Self.decimal(totalSeconds, 1)) s.")
        lines.append("")
        lines.append(
            "- Machine: \(machine.processor), \(machine.cores) logical cores, \(Self.bytes(Int(machine.memoryBytes))) memory, \(machine.system); OpenBLAS \(machine.blasKernels) kernels; AMX bfloat16 screen \(machine.amxScreen ? "on" : "not available")."
        )
        lines.append(
            "- Index: `\(index.path)`: \(index.documents) documents, \(index.passages) passages, \(index.sentenceVectors) sentence vectors, model \(index.model ?? "none"); \(Self.bytes(index.bytes)) on disk, opened (checksums verified) in \(Self.decimal(index.loadSeconds * 1000, 0)) ms."
        )
        if let build = index.build {
            var line =
                "- Index build: \(Self.decimal(build.seconds, 1)) s, \(Self.decimal(build.passagesPerSecond(passages: index.passages), 1)) passages/s"
            if build.embeddedPassages > 0 || build.embeddedSentences > 0 {
                line +=
                    " (embedding \(build.embeddedPassages) passages took \(Self.decimal(build.embeddingSeconds, 1)) s, \(build.embeddedSentences) distinct sentences \(Self.decimal(build.sentenceSeconds, 1)) s)"
            }
            lines.append(line + ".")
        }
        lines.append(
            "- Queries: \(settings.queries) (\(settings.querySource)); \(settings.warmup) warm-up runs per operation; top \(settings.limit); batches of \(settings.batchSize) on \(settings.threads) thread(s). Peak resident memory \(Self.bytes(peakResidentBytes))."
        )
        lines.append("")
        lines.append("## Operations")
        lines.append("")
        lines.append("One at a time (latency in ms), and in batches (queries per second):")
        lines.append("")
        lines.append("| operation | what | runs | p50 | p95 | p99 | max | per second | batch queries/s |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for operation in operations {
            let latency = operation.latency
            let batch = operation.batch.map { Self.decimal($0.queriesPerSecond, 0) } ?? ""
            lines.append(
                "| `\(operation.name)` | \(operation.detail) | \(latency.samples) | \(Self.milliseconds(latency.p50)) | "
                    + "\(Self.milliseconds(latency.p95)) | \(Self.milliseconds(latency.p99)) | "
                    + "\(Self.milliseconds(latency.max)) | \(Self.decimal(latency.perSecond, 0)) | \(batch) |")
        }
        lines.append("")
        lines.append("![Latency percentiles per operation](latency.svg)")
        let encodings = operations.compactMap { operation in operation.encoding.map { (operation.name, $0) } }
        if !encodings.isEmpty {
            lines.append("")
            lines.append("## The encoder")
            lines.append("")
            lines.append(
                "Passages of the index embedded in batches of 32 on \(settings.threads) thread(s), as `evident index` "
                    + "embeds them. Tokens are counted after truncation with [CLS] and [SEP]; nothing is padded (each "
                    + "sequence attends over its own tokens), so no computed token is wasted.")
            lines.append("")
            lines.append("| operation | passages | tokens | passages/s | tokens/s | worst cosine to fp32 |")
            lines.append("|---|---|---|---|---|---|")
            for (name, encoding) in encodings {
                lines.append(
                    "| `\(name)` | \(encoding.texts) | \(encoding.tokens) | \(Self.decimal(encoding.passagesPerSecond, 1)) | "
                        + "\(Self.decimal(encoding.tokensPerSecond, 0)) | "
                        + "\(encoding.worstCosineToFP32.map { Self.decimal($0, 6) } ?? "") |")
            }
            lines.append("")
            lines.append("![Encoder throughput, beside the peers when they ran](encode.svg)")
        }
        if !stages.isEmpty {
            lines.append("")
            lines.append("## Where a hybrid query's time goes")
            lines.append("")
            lines.append("| stage | mean | share |")
            lines.append("|---|---|---|")
            for stage in stages {
                lines.append(
                    "| \(stage.stage.rawValue) | \(Self.decimal(stage.meanMicroseconds, 0)) µs | "
                        + "\(Self.decimal(stage.share * 100, 1)) % |")
            }
        }
        if !sweep.isEmpty {
            lines.append("")
            lines.append("## Dense search against corpus size")
            lines.append("")
            lines.append("Synthetic unit vectors of the model's dimension; one query at a time, top 10 (ms):")
            lines.append("")
            lines.append("| vectors | precision | threads | p50 | p99 |")
            lines.append("|---|---|---|---|---|")
            for point in sweep {
                lines.append(
                    "| \(Self.count(point.vectors)) | \(point.precision) | \(point.threads) | "
                        + "\(Self.milliseconds(point.latency.p50)) | \(Self.milliseconds(point.latency.p99)) |")
            }
            lines.append("")
            lines.append("![Dense search latency against corpus size](sweep.svg)")
        }
        lines += approximateMarkdown
        if let peers, !peers.results.isEmpty {
            lines.append("")
            lines.append("## Peers on the same data")
            lines.append("")
            let versions = peers.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append(
                "Versions: \(versions.joined(separator: ", ")). Latency ratio: the peer's p50 over ours; throughput "
                    + "ratio: our queries/s over the peer's (one at a time for single queries, in batches for "
                    + "batches; for encoders, passages/s against our fastest encoder). Above 1, we are faster. "
                    + "Latencies in ms.")
            lines.append("")
            lines.append(
                "| peer | data | threads | batch | p50 | p99 | queries/s | ours | latency ratio | throughput ratio |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|")
            func ratio(_ value: Double?) -> String { value.map { Self.decimal($0, 2) + "×" } ?? "" }
            for comparison in peerComparisons {
                let peer = comparison.peer
                lines.append(
                    "| \(peer.engine) \(peer.method) | \(peer.data) \(Self.count(peer.count)) | \(peer.threads) | "
                        + "\(peer.batch) | \(peer.p50Microseconds.map(Self.milliseconds) ?? "") | "
                        + "\(peer.p99Microseconds.map(Self.milliseconds) ?? "") | "
                        + "\(peer.queriesPerSecond.map { Self.decimal($0, 0) } ?? "") | \(comparison.ours) | "
                        + "\(ratio(comparison.latencyRatio)) | \(ratio(comparison.throughputRatio)) |")
            }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// A peer measurement beside our matching figure.
    public struct PeerComparison: Sendable, Hashable {
        public var peer: PeerResult
        /// Our p50 (single queries) or queries per second (batches), as text; empty when nothing matches.
        public var ours: String
        /// Single queries: the peer's p50 over ours (above 1: we are faster).
        public var latencyRatio: Double?
        /// Our queries per second over the peer's: one at a time for single queries, in batches for batches.
        public var throughputRatio: Double?
    }

    /// Each peer measurement beside our matching figure: `vectors-fp32` for FAISS on the index (`vectors-ivf` for
    /// its approximate HNSW when that ran), the sweep's
    /// fp32 point of the same size and threads for FAISS on synthetic data, `bm25-scoring` for the BM25 peers, our
    /// fastest `encode-…` for the encoders.
    public var peerComparisons: [PeerComparison] {
        (peers?.results ?? []).map { peer in
            func single(_ ours: LatencySummary?) -> PeerComparison {
                guard let ours, ours.p50 > 0 else { return PeerComparison(peer: peer, ours: "") }
                return PeerComparison(
                    peer: peer, ours: Self.milliseconds(ours.p50) + " ms",
                    latencyRatio: peer.p50Microseconds.map { $0 / ours.p50 },
                    throughputRatio: peer.queriesPerSecond.flatMap { $0 > 0 ? ours.perSecond / $0 : nil })
            }
            func batch(_ ours: BatchResult?) -> PeerComparison {
                guard let ours, let theirs = peer.queriesPerSecond, theirs > 0 else {
                    return PeerComparison(peer: peer, ours: "")
                }
                return PeerComparison(
                    peer: peer, ours: Self.decimal(ours.queriesPerSecond, 0) + " q/s (\(ours.threads) threads)",
                    throughputRatio: ours.queriesPerSecond / theirs)
            }
            if peer.kind == "encode" {
                // Our fastest precision whose vectors keep a cosine of at least 0.999 to fp32's (the quality gate
                // of P9), so that a coarser path does not stand for the engine.
                let fastest = operations.compactMap(\.encoding)
                    .filter { ($0.worstCosineToFP32 ?? 1) >= 0.999 }
                    .max { $0.passagesPerSecond < $1.passagesPerSecond }
                guard let fastest, let theirs = peer.queriesPerSecond, theirs > 0 else {
                    return PeerComparison(peer: peer, ours: "")
                }
                return PeerComparison(
                    peer: peer,
                    ours: Self.decimal(fastest.passagesPerSecond, 1) + " passages/s (\(fastest.precision), "
                        + "\(settings.threads) threads)",
                    throughputRatio: fastest.passagesPerSecond / theirs)
            }
            if peer.data == "synthetic" {
                return single(
                    sweep.first { $0.vectors == peer.count && $0.precision == "fp32" && $0.threads == peer.threads }?
                        .latency)
            }
            // An approximate peer beside our approximate index when it ran, an exact one beside exact search.
            let approximate =
                peer.recallAt10 == nil
                ? nil : ["vectors-hnsw", "vectors-ivf"].first { name in operations.contains { $0.name == name } }
            let name =
                peer.kind == "dense"
                ? (approximate ?? "vectors-fp32") : peer.kind == "lexical" ? "bm25-scoring" : ""
            guard let ours = operations.first(where: { $0.name == name }) else {
                return PeerComparison(peer: peer, ours: "")
            }
            return peer.batch > 1 ? batch(ours.batch) : single(ours.latency)
        }
    }

    static func milliseconds(_ microseconds: Double) -> String {
        microseconds >= 100_000 ? decimal(microseconds / 1000, 0) : decimal(microseconds / 1000, 3)
    }

    static func decimal(_ value: Double, _ places: Int) -> String { String(format: "%.\(places)f", value) }

    static func count(_ value: Int) -> String {
        value >= 1_000_000 && value % 1_000_000 == 0
            ? "\(value / 1_000_000)M" : value >= 1000 && value % 1000 == 0 ? "\(value / 1000)k" : "\(value)"
    }

    static func bytes(_ value: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000 && unit < units.count - 1 {
            amount /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : decimal(amount, 1) + " " + units[unit]
    }
}

extension BenchmarkReport {
    /// The charts, by file name: `latency.svg` (percentiles per operation, log scale); with a sweep, `sweep.svg`
    /// (latency against corpus size on log axes, with FAISS beside it when the peers ran); with `encode-…`
    /// operations, `encode.svg` (passages per second, ours and the encoder peers'); with the approximate sweep,
    /// `approximate-SIZE.svg` (recall against queries per second, ours and the peers').
    public var charts: [String: String] {
        var charts: [String: String] = [:]
        let percentiles: [(String, KeyPath<LatencySummary, Double>)] = [
            ("p50", \.p50), ("p95", \.p95), ("p99", \.p99), ("max", \.max),
        ]
        charts["latency.svg"] = SVGChart.barChart(
            title: "Latency per operation, one at a time (\(index.passages) passages)",
            categories: operations.map(\.name), seriesNames: percentiles.map(\.0),
            values: percentiles.map { _, path in operations.map { $0.latency[keyPath: path] / 1000 } },
            yLabel: "latency (ms, log scale)")
        let encodings = operations.filter { $0.encoding != nil }
        if !encodings.isEmpty {
            let peers = (peers?.results ?? []).filter { $0.kind == "encode" && $0.queriesPerSecond != nil }
            charts["encode.svg"] = SVGChart.barChart(
                title: "Encoder throughput on \(encodings.first?.encoding?.texts ?? 0) passages of the index "
                    + "(\(settings.threads) threads)",
                categories: encodings.map { "Evident \($0.encoding?.precision ?? "")" }
                    + peers.map { "\($0.engine) \($0.method)" },
                seriesNames: ["passages/s"],
                values: [
                    encodings.map { $0.encoding?.passagesPerSecond ?? 0 } + peers.map { $0.queriesPerSecond ?? 0 }
                ],
                yLabel: "passages per second", logarithmicY: false)
        }
        if !sweep.isEmpty {
            var series: [ChartSeries] = []
            let configurations = Set(sweep.map { "\($0.precision)|\($0.threads)" }).sorted()
            for configuration in configurations {
                let points = sweep.filter { "\($0.precision)|\($0.threads)" == configuration }
                    .sorted { $0.vectors < $1.vectors }
                guard let first = points.first else { continue }
                series.append(
                    ChartSeries(
                        name: "Evident \(first.precision), \(first.threads) thread\(first.threads == 1 ? "" : "s")",
                        points: points.map { ChartPoint(x: Double($0.vectors), y: $0.latency.p50 / 1000) }))
            }
            let faiss = (peers?.results ?? []).filter {
                $0.engine == "faiss" && $0.data == "synthetic" && $0.batch == 1 && $0.p50Microseconds != nil
            }
            for threads in Set(faiss.map(\.threads)).sorted() {
                let points = faiss.filter { $0.threads == threads }.sorted { $0.count < $1.count }
                series.append(
                    ChartSeries(
                        name: "FAISS IndexFlatIP, \(threads) thread\(threads == 1 ? "" : "s")",
                        points: points.map { ChartPoint(x: Double($0.count), y: ($0.p50Microseconds ?? 0) / 1000) }))
            }
            charts["sweep.svg"] = SVGChart.lineChart(
                title: "Dense search p50 against corpus size (top 10, synthetic unit vectors)",
                xLabel: "vectors in the index", yLabel: "p50 latency (ms)", series: series)
        }
        charts.merge(approximateCharts) { first, _ in first }
        return charts
    }
}
