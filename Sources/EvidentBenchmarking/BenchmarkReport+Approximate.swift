import Evident
import Foundation

extension BenchmarkReport {
    /// The recall a method must reach for the comparison of queries per second.
    static let comparedRecall = 0.95

    /// Every approximate index measured, ours then the peers', for one size.
    func approximateResults(vectors: Int) -> [ApproximateResult] {
        ((approximate?.results ?? []) + (peers?.approximate ?? [])).filter { $0.vectors == vectors }
    }

    /// The sizes of the approximate sweep, smallest first.
    var approximateSizes: [Int] {
        Set((approximate?.results ?? []).map(\.vectors) + (peers?.approximate ?? []).map(\.vectors)).sorted()
    }

    /// The section of the approximate sweep: per size, each index's build, bytes per vector and fastest breadth
    /// at recall@10 ≥ 0.95, our ratio to the fastest peer there, and the chart.
    var approximateMarkdown: [String] {
        guard let sweep = approximate, !approximateSizes.isEmpty else { return [] }
        var lines = [
            "", "## Approximate search at scale", "",
            "Data: \(sweep.data); \(sweep.queries) queries of \(sweep.dimension) elements. Searches run one query "
                + "at a time on one thread (Evident: each query timed; the peers: all queries in one call on one "
                + "thread, so no Python call is counted). \"Fastest at ≥ \(Self.decimal(Self.comparedRecall, 2))\": "
                + "the breadth with the most queries/s among those whose recall@10 reaches it.",
        ]
        for size in approximateSizes {
            let results = approximateResults(vectors: size)
            lines += [
                "", "### \(Self.count(size)) vectors", "",
                "| engine | method | settings | build s (threads) | bytes/vector | fastest at ≥ \(Self.decimal(Self.comparedRecall, 2)): breadth | recall@10 | queries/s |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for result in results {
                let best = Self.fastest(result, reaching: Self.comparedRecall)
                lines.append(
                    "| \(result.engine) | \(result.method) | \(result.settings) | "
                        + "\(Self.decimal(result.buildSeconds, 1)) (\(result.buildThreads)) | "
                        + "\(Self.decimal(result.bytesPerVector, 0)) | "
                        + (best.map {
                            "\(result.breadthName) \($0.breadth) | \(Self.decimal($0.recallAt10, 3)) | \(Self.decimal($0.queriesPerSecond, 0))"
                        }
                            ?? "not reached (best recall \(Self.decimal(result.points.map(\.recallAt10).max() ?? 0, 3))) | | ")
                        + " |")
            }
            let ours = results.filter { $0.engine == "evident" }.compactMap {
                Self.fastest($0, reaching: Self.comparedRecall)
            }
            .map(\.queriesPerSecond).max()
            let peers = results.filter { $0.engine != "evident" }.compactMap { result in
                Self.fastest(result, reaching: Self.comparedRecall).map { (result, $0) }
            }
            if let ours, let (peer, point) = peers.max(by: { $0.1.queriesPerSecond < $1.1.queriesPerSecond }) {
                lines += [
                    "",
                    "At recall@10 ≥ \(Self.decimal(Self.comparedRecall, 2)), Evident's fastest index answers "
                        + "\(Self.decimal(ours / point.queriesPerSecond, 2))× the queries/s of the fastest peer "
                        + "(\(peer.engine) \(peer.method), \(Self.decimal(point.queriesPerSecond, 0)) queries/s).",
                ]
            }
            lines += [
                "",
                "![Recall against queries per second, \(Self.count(size)) vectors](\(Self.approximateChartName(size)))",
            ]
        }
        return lines
    }

    /// The chart of one size: recall@10 across, queries per second up (log scale), one line per index.
    var approximateCharts: [String: String] {
        var charts: [String: String] = [:]
        for size in approximateSizes {
            let series = approximateResults(vectors: size).map { result in
                ChartSeries(
                    name: "\(result.engine == "evident" ? "Evident" : result.engine) \(result.method)",
                    points: result.points.map { ChartPoint(x: $0.recallAt10, y: $0.queriesPerSecond) })
            }
            charts[Self.approximateChartName(size)] = SVGChart.lineChart(
                title: "Recall against speed, \(Self.count(size)) vectors, top 10, one thread",
                xLabel: "recall@10 against exact search", yLabel: "queries per second (log scale)", series: series,
                logarithmicX: false, logarithmicY: true)
        }
        return charts
    }

    static func approximateChartName(_ size: Int) -> String { "approximate-\(count(size)).svg" }

    /// The breadth with the most queries per second among those reaching `recall`.
    public static func fastest(_ result: ApproximateResult, reaching recall: Double) -> ApproximatePoint? {
        result.points.filter { $0.recallAt10 >= recall }.max { $0.queriesPerSecond < $1.queriesPerSecond }
    }
}
