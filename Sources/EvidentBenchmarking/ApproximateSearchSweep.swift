import Dispatch
import Evident
public import Foundation

/// Settings of `ApproximateSearchSweep`.
public struct ApproximateSweepSettings: Sendable, Hashable {
    /// The synthetic corpus sizes, in vectors.
    public var sizes: [Int] = [1_000_000]
    /// Queries per size, drawn from the same mixture as the corpus.
    public var queries = 1000
    /// Results per search.
    public var limit = 10
    /// Threads for drawing the vectors, exact search (the ground truth) and building the indexes; searches are
    /// timed on one thread.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Fixes the vectors and the queries.
    public var seed: UInt64 = 1
    /// The IVF list counts scanned, in increasing order (those above the index's list count are left out).
    public var probes = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    /// The HNSW search widths (efSearch), in increasing order (at least `limit` each).
    public var searchWidths = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    /// The HNSW graph's neighbours (M) and construction width (efConstruction): FAISS's settings in the peers.
    public var maxNeighbors = 32
    public var constructionWidth = 200
    /// A method's sweep stops at the first breadth that reaches this recall.
    public var enoughRecall = 0.999

    /// Creates the default settings.
    public init() {}
}

/// Approximate search at scale: for each size, a synthetic corpus drawn from a mixture fitted to the index's own
/// vectors, its exact top 10 as ground truth, then Evident's IVF and HNSW indexes built (timed, with their stored
/// bytes per vector) and searched at growing breadths, each breadth giving recall@10 against the ground truth and
/// queries per second on one thread. The peers measure the same files (`writePeerInput`).
public struct ApproximateSearchSweep: Sendable {
    /// The mixture the corpora are drawn from.
    public let mixture: VectorMixture
    /// The settings.
    public var settings: ApproximateSweepSettings
    /// Real query vectors (such as the index's sentence vectors); `nil` to draw the queries from the mixture.
    public let realQueries: [[Float]]?

    /// Creates a sweep of corpora drawn from `mixture`, searched with `realQueries` (the first
    /// `settings.queries` of them) or, when `nil`, with queries drawn from the mixture too.
    public init(
        mixture: VectorMixture, realQueries: [[Float]]? = nil,
        settings: ApproximateSweepSettings = ApproximateSweepSettings()
    ) {
        precondition(realQueries?.allSatisfy { $0.count == mixture.dimension } ?? true, "queries of another dimension")
        self.mixture = mixture
        self.realQueries = realQueries.map { Array($0.prefix(settings.queries)) }
        self.settings = settings
    }

    /// The description of the data, for the report.
    public var dataDescription: String {
        "unit vectors drawn from a mixture of \(mixture.componentCount) Gaussians fitted to the k-means clusters "
            + "of the index's own vectors (each cluster's mean, its members' covariance and its share), seed "
            + "\(settings.seed); queries: "
            + (realQueries == nil ? "drawn from the same mixture" : "real vectors of the index's sentences")
            + "; ground truth: exact fp32 top \(settings.limit)"
    }

    /// Runs every size.
    ///
    /// - Parameters:
    ///   - peerInput: When given, each size's vectors, queries and ground truth are written there for the peers:
    ///     `ann-N.f32`, `ann-queries-N.f32` (float32, row-major, `.json` shapes beside them) and
    ///     `ann-truth-N.i32` (int32, `limit` row numbers a query, best first).
    ///   - progress: Called before each step.
    /// - Returns: Each size's indexes with their build, bytes per vector and points.
    /// - Throws: A file system error when the peers' files cannot be written.
    public func run(peerInput: URL? = nil, progress: (String) -> Void = { _ in }) throws
        -> BenchmarkReport.ApproximateSweep
    {
        let dimension = mixture.dimension
        let limit = settings.limit
        var results: [BenchmarkReport.ApproximateResult] = []
        for size in Set(settings.sizes).sorted() {
            let label = Self.sizeLabel(size)
            progress("\(label): drawing \(size) vectors and \(settings.queries) queries")
            let flat = FlatVectorIndex(
                dimension: dimension,
                vectors: mixture.sample(count: size, seed: settings.seed &+ UInt64(size), threadCount: settings.threads)
            )
            let queries =
                realQueries
                ?? {
                    let drawn = mixture.sample(
                        count: settings.queries, seed: ~(settings.seed &+ UInt64(size)), threadCount: settings.threads)
                    return (0..<settings.queries).map { Array(drawn[($0 * dimension)..<(($0 + 1) * dimension)]) }
                }()
            progress("\(label): exact top \(limit) of every query")
            let truth = flat.search(batch: queries, limit: limit, threadCount: settings.threads)
            if let peerInput {
                progress("\(label): writing the peers' input")
                try Self.writePeerInput(flat: flat, queries: queries, truth: truth, limit: limit, to: peerInput)
            }
            /// Sweeps one index and records it: `storedBytes` are its own files', beside the fp32 vectors.
            func record(
                _ method: String, settings description: String, buildSeconds: Double, storedBytes: Int,
                breadthName: String, breadths: [Int], search: ([Float], Int) -> [VectorMatch]
            ) {
                let points = sweep(
                    breadths, queries: queries, truth: truth, label: "\(label): \(method) \(breadthName)",
                    progress: progress, search: search)
                results.append(
                    .init(
                        engine: "evident", method: method, settings: description, vectors: size,
                        buildSeconds: buildSeconds, buildThreads: settings.threads,
                        bytesPerVector: Double(storedBytes) / Double(size) + Double(4 * dimension),
                        breadthName: breadthName, points: points))
            }

            // Exact search on one thread, as a search of the index without an approximate index runs: where the
            // approximate indexes start to pay (`ApproximateIndexMethod.smallestSegment`).
            record(
                "exact", settings: "every fp32 vector scored", buildSeconds: 0, storedBytes: 0,
                breadthName: "vectors", breadths: [size]
            ) { query, _ in flat.search(query, limit: limit) }

            progress("\(label): IVF: clustering")
            var started = DispatchTime.now().uptimeNanoseconds
            let ivf = IVFVectorIndex(clustering: flat, threadCount: settings.threads)
            record(
                "IVF", settings: "\(ivf.listCount) lists, int8 codes, best \(4 * limit) re-scored in fp32",
                buildSeconds: Self.seconds(since: started), storedBytes: ivf.encoded().count, breadthName: "probes",
                breadths: settings.probes.filter { $0 <= ivf.listCount }
            ) { query, probes in ivf.search(query, limit: limit, probes: probes) }

            progress("\(label): HNSW: linking \(size) nodes on \(settings.threads) thread(s)")
            started = DispatchTime.now().uptimeNanoseconds
            let graph = withoutActuallyEscaping(progress) { progress in
                HNSWVectorIndex(
                    building: flat, maxNeighbors: settings.maxNeighbors, constructionWidth: settings.constructionWidth,
                    threadCount: settings.threads
                ) { share in progress("\(label): HNSW: linking, \(Int(share * 100)) %") }
            }
            let graphSeconds = Self.seconds(since: started)
            let graphBytes = graph.encoded().count
            let widths = settings.searchWidths.filter { $0 >= limit }
            record(
                "HNSW", settings: "M \(settings.maxNeighbors), efConstruction \(settings.constructionWidth)",
                buildSeconds: graphSeconds, storedBytes: graphBytes, breadthName: "efSearch", breadths: widths
            ) { query, width in graph.search(query, limit: limit, searchWidth: width) }

            progress("\(label): HNSW walking 8-bit codes: coding the vectors")
            started = DispatchTime.now().uptimeNanoseconds
            let walking = graph.walkingCodes(of: Int8VectorIndex(quantizing: flat))
            record(
                "HNSW, int8 walk", settings: "the same graph walking 8-bit codes, the nodes in view re-scored in fp32",
                buildSeconds: graphSeconds + Self.seconds(since: started), storedBytes: graphBytes + size * dimension,
                breadthName: "efSearch", breadths: widths
            ) { query, width in walking.search(query, limit: limit, searchWidth: width) }
        }
        return .init(
            data: dataDescription, dimension: dimension, queries: settings.queries,
            components: mixture.componentCount, results: results)
    }

    /// Searches every query at each breadth on this thread, timing each search, until recall is high enough.
    private func sweep(
        _ breadths: [Int], queries: [[Float]], truth: [[VectorMatch]], label: String, progress: (String) -> Void,
        search: ([Float], Int) -> [VectorMatch]
    ) -> [BenchmarkReport.ApproximatePoint] {
        var points: [BenchmarkReport.ApproximatePoint] = []
        for breadth in breadths {
            progress("\(label) \(breadth)")
            // Untimed: the first queries once, so that the timed pass does not pay for first touches.
            for query in queries.prefix(20) { _ = search(query, breadth) }
            var found: [[VectorMatch]] = []
            found.reserveCapacity(queries.count)
            var samples: [UInt64] = []
            samples.reserveCapacity(queries.count)
            for query in queries {
                let start = DispatchTime.now().uptimeNanoseconds
                found.append(search(query, breadth))
                samples.append(DispatchTime.now().uptimeNanoseconds - start)
            }
            let latency = LatencySummary(nanoseconds: samples)
            let recall = VectorMatch.recall(found: found, truth: truth)
            points.append(
                .init(
                    breadth: breadth, recallAt10: recall, queriesPerSecond: latency.perSecond,
                    p50Microseconds: latency.p50))
            if recall >= settings.enoughRecall { break }
        }
        return points
    }

    /// Writes one size's corpus, queries and ground truth for the peers.
    private static func writePeerInput(
        flat: FlatVectorIndex, queries: [[Float]], truth: [[VectorMatch]], limit: Int, to directory: URL
    ) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let size = flat.count
        let dimension = flat.dimension
        func write(_ data: Data, name: String, shape: [String: Int]) throws {
            let url = directory.appendingPathComponent(name)
            try data.write(to: url)
            try JSONSerialization.data(withJSONObject: shape, options: [.sortedKeys])
                .write(to: url.appendingPathExtension("json"))
        }
        var corpus = Data(capacity: size * dimension * 4)
        for row in 0..<size { flat.vector(at: row).withUnsafeBytes { corpus.append(contentsOf: $0) } }
        try write(corpus, name: "ann-\(size).f32", shape: ["count": size, "dimension": dimension])
        corpus = Data()
        try write(
            queries.joined().withContiguousStorageIfAvailable { Data(buffer: $0) }
                ?? Data(Array(queries.joined()).withUnsafeBytes { Data($0) }),
            name: "ann-queries-\(size).f32", shape: ["count": queries.count, "dimension": dimension])
        var rows = [Int32](repeating: -1, count: truth.count * limit)
        for (query, matches) in truth.enumerated() {
            for (rank, match) in matches.prefix(limit).enumerated() { rows[query * limit + rank] = Int32(match.index) }
        }
        try write(
            rows.withUnsafeBytes { Data($0) }, name: "ann-truth-\(size).i32",
            shape: ["count": truth.count, "dimension": limit])
    }

    /// "1M", "100k", "35,246" style labels.
    static func sizeLabel(_ size: Int) -> String {
        if size >= 1_000_000, size % 1_000_000 == 0 { return "\(size / 1_000_000)M" }
        if size >= 1000, size % 1000 == 0 { return "\(size / 1000)k" }
        return "\(size)"
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

extension BenchmarkReport {
    /// Approximate search at scale: Evident's and the peers' indexes on the same synthetic corpora.
    public struct ApproximateSweep: Sendable, Hashable, Codable {
        /// How the vectors and queries were made.
        public var data: String
        /// Elements per vector.
        public var dimension: Int
        /// Queries per size.
        public var queries: Int
        /// The mixture's components.
        public var components: Int
        /// Evident's indexes, one entry per size and method.
        public var results: [ApproximateResult]
    }

    /// One approximate index on one corpus, searched at several breadths: Evident's or a peer's (the peers'
    /// script writes the same shape).
    public struct ApproximateResult: Sendable, Hashable, Codable {
        /// `evident`, `faiss`, `hnswlib` or `usearch`.
        public var engine: String
        /// `IVF`, `HNSW`, `IndexHNSWFlat`, `IndexIVFFlat`, `IndexIVFPQ`, …
        public var method: String
        /// Its build settings, as a phrase ("M 32, efConstruction 200").
        public var settings: String
        /// Vectors indexed.
        public var vectors: Int
        /// The time to build it, and the threads that built it.
        public var buildSeconds: Double
        public var buildThreads: Int
        /// What it stores per vector, the vectors it re-scores or walks with included.
        public var bytesPerVector: Double
        /// What the breadth is: `probes`, `nprobe`, `efSearch`, `expansion_search`.
        public var breadthName: String
        /// One point per breadth, in increasing breadth.
        public var points: [ApproximatePoint]

        enum CodingKeys: String, CodingKey {
            case engine, method, settings, vectors, points
            case buildSeconds = "build_seconds"
            case buildThreads = "build_threads"
            case bytesPerVector = "bytes_per_vector"
            case breadthName = "breadth_name"
        }
    }

    /// One breadth of an approximate index.
    public struct ApproximatePoint: Sendable, Hashable, Codable {
        /// The lists scanned or the search width.
        public var breadth: Int
        /// Recall@10 against exact search, over every query.
        public var recallAt10: Double
        /// Queries per second on one thread.
        public var queriesPerSecond: Double
        /// The median query's time, microseconds (Evident's; the peers run all queries in one call).
        public var p50Microseconds: Double?

        enum CodingKeys: String, CodingKey {
            case breadth
            case recallAt10 = "recall_at_10"
            case queriesPerSecond = "qps"
            case p50Microseconds = "p50_us"
        }
    }
}
