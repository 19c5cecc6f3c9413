import EvidentTestSupport
import Foundation
import Testing

@testable import Evident
@testable import EvidentBenchmarking

@Suite(.offThePool) struct ApproximateSweepTests {
    /// 600 unit vectors of 32 elements in three clusters holding 50 %, 30 % and 20 % of them.
    static func clusteredVectors() -> (flat: FlatVectorIndex, centers: [[Float]]) {
        var generator = SplitMix64(seed: 11)
        let dimension = 32
        let centers = (0..<3).map { _ in LatencyBenchmark.unitVector(dimension: dimension, generator: &generator) }
        var elements: [Float] = []
        for (cluster, share) in [(0, 300), (1, 180), (2, 120)] {
            for _ in 0..<share {
                let noisy = centers[cluster].map { $0 + 0.05 * generator.gaussian() }
                let norm = noisy.reduce(0) { $0 + $1 * $1 }.squareRoot()
                elements += noisy.map { $0 / norm }
            }
        }
        return (FlatVectorIndex(dimension: dimension, vectors: elements), centers)
    }

    @Test func theMixtureDrawsUnitVectorsAroundTheRealClustersInTheirShares() {
        let (flat, centers) = Self.clusteredVectors()
        let mixture = VectorMixture(fitting: flat, components: 3)
        #expect(mixture.componentCount == 3)
        let count = 6000
        let drawn = mixture.sample(count: count, seed: 5, threadCount: 1)
        #expect(drawn.count == count * 32)
        // The same vectors whatever the threads; other ones for another seed.
        #expect(mixture.sample(count: count, seed: 5, threadCount: 2) == drawn)
        #expect(mixture.sample(count: count, seed: 6, threadCount: 1) != drawn)
        var members = [0, 0, 0]
        for row in 0..<count {
            let vector = Array(drawn[(row * 32)..<((row + 1) * 32)])
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4, "row \(row) has length \(norm)")
            let cosines = centers.map { Kernels.dotProduct($0, vector) }
            let nearest = cosines.indices.max { cosines[$0] < cosines[$1] }!
            #expect(cosines[nearest] > 0.9, "row \(row) is far from every real cluster")
            members[nearest] += 1
        }
        for (cluster, share) in [0.5, 0.3, 0.2].enumerated() {
            let drawnShare = Double(members[cluster]) / Double(count)
            #expect(abs(drawnShare - share) < 0.03, "cluster \(cluster): \(drawnShare) drawn, \(share) real")
        }
    }

    @Test func theSweepMeasuresBothIndexesAndWritesThePeersTheSameData() throws {
        let (flat, _) = Self.clusteredVectors()
        var settings = ApproximateSweepSettings()
        settings.sizes = [3000]
        settings.queries = 50
        settings.threads = 2
        settings.probes = [1, 4, 16, 64, 1000]
        settings.searchWidths = [10, 40, 160]
        settings.maxNeighbors = 8
        settings.constructionWidth = 40
        let mixture = VectorMixture(fitting: flat, components: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ann-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var steps: [String] = []
        let sweep = try ApproximateSearchSweep(mixture: mixture, settings: settings).run(peerInput: directory) {
            steps.append($0)
        }
        #expect(sweep.results.map(\.method) == ["exact", "IVF", "HNSW", "HNSW, int8 walk"])
        #expect(steps.contains { $0.contains("IVF: clustering") } && steps.contains { $0.contains("HNSW: linking") })
        // Exact search: one point, every vector scored, the whole ground truth found; nothing built.
        let exact = try #require(sweep.results.first)
        #expect(exact.points.map(\.breadth) == [3000] && exact.points[0].recallAt10 >= 0.999)
        #expect(exact.buildSeconds == 0 && exact.bytesPerVector == 128)
        for result in sweep.results.dropFirst() {
            #expect(result.vectors == 3000 && result.buildSeconds > 0)
            // The vectors themselves (128 bytes each) plus the index's own structures.
            #expect(result.bytesPerVector > 128, "\(result.method): \(result.bytesPerVector) bytes a vector")
            #expect(result.points.map(\.breadth) == result.points.map(\.breadth).sorted())
            #expect(result.points.allSatisfy { (0...1).contains($0.recallAt10) && $0.queriesPerSecond > 0 })
            // The widest breadth measured reaches the recall that stops the sweep, or is the widest there is.
            let last = try #require(result.points.last)
            #expect(last.recallAt10 >= 0.95, "\(result.method) at \(last.breadth): recall \(last.recallAt10)")
        }
        // IVF at 4·√3000 ≈ 219 lists: probes above that are left out.
        #expect(sweep.results[1].points.allSatisfy { $0.breadth <= 219 })

        // The peers' files: the corpus, the queries, and the exact top 10 of each query in that corpus.
        func floats(_ name: String) throws -> [Float] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let corpus = try floats("ann-3000.f32")
        let queries = try floats("ann-queries-3000.f32")
        #expect(corpus.count == 3000 * 32 && queries.count == 50 * 32)
        let truth = try Data(contentsOf: directory.appendingPathComponent("ann-truth-3000.i32"))
            .withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        #expect(truth.count == 50 * 10)
        let written = FlatVectorIndex(dimension: 32, vectors: corpus)
        for query in [0, 17, 49] {
            let exact = written.search(Array(queries[(query * 32)..<((query + 1) * 32)]), limit: 10).map(\.index)
            #expect(truth[(query * 10)..<((query + 1) * 10)].map(Int.init) == exact, "query \(query)")
        }
        let shape =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("ann-truth-3000.i32.json"))) as? [String: Int]
        #expect(shape == ["count": 50, "dimension": 10])
    }

    @Test func theReportComparesAtTheSameRecallAndDrawsTheChart() throws {
        func result(_ engine: String, _ method: String, _ points: [(Double, Double)])
            -> BenchmarkReport.ApproximateResult
        {
            .init(
                engine: engine, method: method, settings: "s", vectors: 1_000_000, buildSeconds: 10, buildThreads: 1,
                bytesPerVector: 1800, breadthName: "efSearch",
                points: points.enumerated().map {
                    .init(breadth: 10 * ($0 + 1), recallAt10: $1.0, queriesPerSecond: $1.1)
                })
        }
        let ours = result("evident", "HNSW", [(0.90, 9000), (0.96, 6000), (0.99, 3000)])
        // The peer is faster below 0.95, slower above it: the comparison is at the fastest point reaching 0.95.
        let peer = result("faiss", "IndexHNSWFlat", [(0.93, 10000), (0.955, 4000), (0.995, 2000)])
        let never = result("faiss", "IndexIVFPQ", [(0.6, 50000), (0.7, 30000)])
        let plain = BenchmarkReport(
            createdAt: "", evidentVersion: "", machine: .current,
            index: IndexDescription(
                path: "i", documents: 1, passages: 1, sentenceVectors: 0, model: nil, bytes: 1, loadSeconds: 0),
            settings: .init(querySource: "", queries: 1, warmup: 0, threads: 1, batchSize: 64, limit: 10),
            operations: [], stages: [], sweep: [], peers: nil, peakResidentBytes: 0, totalSeconds: 0)
        let plainJSON = try JSONEncoder().encode(plain)
        #expect(!String(decoding: plainJSON, as: UTF8.self).contains("approximate"))
        var report = try JSONDecoder().decode(BenchmarkReport.self, from: plainJSON)
        #expect(report.approximate == nil, "a report without the sweep decodes without it")
        #expect(
            !report.markdown.contains("Approximate search")
                && report.charts.keys.allSatisfy { !$0.hasPrefix("approximate") })
        report.approximate = .init(data: "d", dimension: 384, queries: 1000, components: 750, results: [ours])
        report.peers = PeerReport(versions: [:], results: [], approximate: [peer, never])
        let markdown = report.markdown
        #expect(markdown.contains("## Approximate search at scale"))
        #expect(markdown.contains("| evident | HNSW | s | 10.0 (1) | 1800 | efSearch 20 | 0.960 | 6000 |"))
        #expect(markdown.contains("| faiss | IndexHNSWFlat | s | 10.0 (1) | 1800 | efSearch 20 | 0.955 | 4000 |"))
        #expect(markdown.contains("not reached (best recall 0.700)"))
        #expect(markdown.contains("answers 1.50× the queries/s of the fastest peer (faiss IndexHNSWFlat"))
        let chart = try #require(report.charts["approximate-1M.svg"])
        #expect(chart.contains("Evident HNSW") && chart.contains("faiss IndexIVFPQ"))
        let decoded = try JSONDecoder().decode(BenchmarkReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }
}
