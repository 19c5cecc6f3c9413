public import Evident
import EvidentPDF
import Foundation
import HTTPTypes

/// The loaded index and everything that answers requests over it: immutable and shared by every request.
///
/// Searches run on one lane of threads and `ask` and grounding on another; the two share the cores (`CoreShare`):
/// searches first, groundings never on every core and never starved, so that a long grounding does not hold up the
/// searches that arrive meanwhile. The queries of concurrent dense and hybrid searches run together
/// (`SearchBatcher`).
public final class EvidentService: Sendable {
    /// The index.
    public let index: EvidentIndex
    /// A short name for the index (its folder's name).
    public let name: String
    let retriever: Retriever
    let grounder: Grounder
    let answerer: ExtractiveAnswerer
    let configuration: ServerConfiguration
    private let searchLane: WorkerLane
    /// Internal for the shutdown test, which holds its thread.
    let groundingLane: WorkerLane
    /// Runs concurrent dense and hybrid searches together; nil without a model.
    let searchBatcher: SearchBatcher?
    /// The page images drawn last.
    private let pageImages = RecentValues<[UInt8]>(capacity: 32)

    /// Serves `retriever`'s index.
    ///
    /// - Parameters:
    ///   - retriever: A retriever over the index, with the model when the index has vectors.
    ///   - name: The index's name for `/health` and the page.
    ///   - configuration: Limits and threads.
    ///   - grounding: The grounding settings of `/ground`.
    ///   - verifier: The claim verifier `/ground` reads claims with, if any.
    public init(
        retriever: Retriever, name: String, configuration: ServerConfiguration = ServerConfiguration(),
        grounding: GroundingConfiguration = GroundingConfiguration(), verifier: ClaimVerifier? = nil
    ) {
        self.index = retriever.index
        self.name = name
        self.retriever = retriever
        self.grounder = Grounder(retriever: retriever, configuration: grounding, verifier: verifier)
        self.answerer = ExtractiveAnswerer(retriever: retriever)
        self.configuration = configuration
        let share = CoreShare(cores: configuration.cores)
        let searchLane = WorkerLane(
            name: "search", threadCount: configuration.searchThreads, workClass: .search, share: share,
            capacity: configuration.maxQueuedRequests)
        self.searchLane = searchLane
        groundingLane = WorkerLane(
            name: "grounding", threadCount: configuration.groundingThreads, workClass: .grounding, share: share,
            capacity: configuration.maxQueuedRequests)
        searchBatcher = retriever.embedder == nil ? nil : SearchBatcher(retriever: retriever, lane: searchLane)
    }

    /// What `GET /health` answers.
    public struct Health: Codable, Sendable, Hashable {
        enum CodingKeys: String, CodingKey {
            case status, index, documents, passages, sentenceVectors, model, version, shard
            case cluster, missingShards = "missing_shards"
        }

        /// Always "ok": the server answers.
        public var status: String
        /// The index's name.
        public var index: String
        /// Documents, passages and stored sentence vectors in the index.
        public var documents: Int
        public var passages: Int
        public var sentenceVectors: Int
        /// The embedding model in use; nil (JSON null) when the server searches lexically only.
        public var model: String?
        /// Evident's version.
        public var version: String
        /// For a shard of a sharded index: its place ("2/3"), and the identity of the cluster whose statistics it
        /// scores with (`CollectionStatistics.clusterIdentity`), absent otherwise. A router answers with the
        /// shards' count and the cluster.
        public var shard: String?
        public var cluster: String?
        /// For a router: the shards that did not answer (their places), absent for a single server.
        public var missingShards: [String]?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encode(index, forKey: .index)
            try container.encode(documents, forKey: .documents)
            try container.encode(passages, forKey: .passages)
            try container.encode(sentenceVectors, forKey: .sentenceVectors)
            try container.encode(model, forKey: .model)  // null for a lexical-only index, not a missing key
            try container.encode(version, forKey: .version)
            try container.encodeIfPresent(shard, forKey: .shard)
            try container.encodeIfPresent(cluster, forKey: .cluster)
            try container.encodeIfPresent(missingShards, forKey: .missingShards)
        }
    }

    /// The index's counts and model.
    public var health: Health {
        Health(
            status: "ok", index: name, documents: index.liveDocumentCount, passages: index.livePassageCount,
            sentenceVectors: index.sentenceVectorCount,
            model: retriever.embedder == nil ? nil : index.configuration.embedding?.modelID, version: evidentVersion,
            shard: index.collectionStatistics == nil ? nil : index.manifest.corpus.shard?.description,
            cluster: index.collectionStatistics?.clusterIdentity)
    }

    /// Searches for `query` with `options` (a mode, exact or approximate vector search).
    func search(_ query: String, limit: Int, options: SearchOptions) async throws -> SearchResponse {
        let resolvedMode: SearchMode
        do {
            resolvedMode = try retriever.mode(for: options)
        } catch let error as RetrievalError {
            throw APIError.unprocessable("mode_unavailable", error.description + "; " + APIError.advice(for: error))
        }
        let scoring = index.configuration.scoring
        if resolvedMode != .lexical, let searchBatcher {
            let results = try await refusalsAsErrors {
                try await searchBatcher.search(
                    Retriever.BatchQuery(query, limit: limit, options: options),
                    timeLimit: configuration.requestTimeLimit)
            }
            return SearchResponse(query: query, mode: resolvedMode, scoring: scoring, results: results)
        }
        let retriever = self.retriever
        return try await run(on: searchLane) {
            let results = try retriever.search(query, limit: limit, options: options)
            return SearchResponse(query: query, mode: resolvedMode, scoring: scoring, results: results)
        }
    }

    /// This shard's rankings of `query` for a router (`Retriever.shardRankings`).
    func shardRankings(_ query: String, limit: Int, options: SearchOptions) async throws -> ShardRankings {
        do {
            _ = try retriever.mode(for: options)
        } catch let error as RetrievalError {
            throw APIError.unprocessable("mode_unavailable", error.description + "; " + APIError.advice(for: error))
        }
        let retriever = self.retriever
        return try await run(on: searchLane) { try retriever.shardRankings(query, limit: limit, options: options) }
    }

    /// The search results of this shard's `passages` for `query`, for a router.
    func shardResults(_ passages: [ShardRankedPassage], for query: String) async throws -> [SearchResponse.Item] {
        if let wrong = passages.first(where: { !(0..<index.passageCount).contains($0.passage) }) {
            throw APIError.unprocessable(
                "no_such_passage", "this index has passages 0–\(index.passageCount - 1); got \(wrong.passage)")
        }
        let retriever = self.retriever
        return try await run(on: searchLane) {
            try retriever.results(passages, for: query).map(SearchResponse.Item.init)
        }
    }

    /// This shard's scored candidate sentences for grounding `statements` in its `passages`, for a router.
    func shardCandidates(for statements: [String], passages: [[(passage: Int, rank: Int)]]) async throws
        -> [[GroundingCandidate]]
    {
        guard passages.count == statements.count else {
            throw APIError.unprocessable(
                "mismatched_lists",
                "give one list of passages per statement; got \(passages.count) for \(statements.count)")
        }
        if let wrong = passages.joined().first(where: { !(0..<index.passageCount).contains($0.passage) }) {
            throw APIError.unprocessable(
                "no_such_passage", "this index has passages 0–\(index.passageCount - 1); got \(wrong.passage)")
        }
        let grounder = self.grounder
        let sendable = passages.map { $0.map { RankedPassage(passage: $0.passage, rank: $0.rank) } }
        return try await run(on: groundingLane) {
            try grounder.shardCandidates(
                for: statements, passages: sendable.map { $0.map { (passage: $0.passage, rank: $0.rank) } })
        }
    }

    /// This shard's candidate sentences for answering `question` from its `passages`, for a router.
    func shardAnswerCandidates(
        for question: String, sentences: Int, passages: [(passage: Int, place: Int, rank: Int)]
    ) async throws -> [AnswerCandidate] {
        if let wrong = passages.first(where: { !(0..<index.passageCount).contains($0.passage) }) {
            throw APIError.unprocessable(
                "no_such_passage", "this index has passages 0–\(index.passageCount - 1); got \(wrong.passage)")
        }
        let answerer = self.answerer
        let sendable = passages.map { [$0.passage, $0.place, $0.rank] }
        return try await run(on: groundingLane) {
            try answerer.shardCandidates(
                for: question, sentenceCount: sentences,
                passages: sendable.map { (passage: $0[0], place: $0[1], rank: $0[2]) })
        }
    }

    private struct RankedPassage: Sendable {
        var passage: Int
        var rank: Int
    }

    /// `filter` once checked against the index's keys and kinds of values (so that a request with a bad filter is
    /// refused with 422 before it waits for a worker).
    func checked(_ filter: MetadataFilter?) throws -> MetadataFilter? {
        guard let filter, !filter.isEmpty else { return nil }
        do {
            _ = try index.documentCount(matching: filter)
        } catch {
            throw APIError.unprocessable("invalid_filter", error.description)
        }
        return filter
    }

    /// An extractive answer to `question`, drawn from the documents `filter` keeps.
    func ask(_ question: String, sentences: Int, filter: MetadataFilter? = nil) async throws -> ExtractiveAnswer {
        var answerer = self.answerer
        answerer.filter = filter
        return try await run(on: groundingLane) { [answerer] in
            try answerer.answer(question, sentenceCount: sentences)
        }
    }

    /// Grounds an answer in the documents `filter` keeps.
    func ground(answer: String, filter: MetadataFilter? = nil) async throws -> GroundedAnswer {
        var grounder = self.grounder
        grounder.filter = filter
        return try await run(on: groundingLane) { [grounder] in try grounder.ground(answer: answer) }
    }

    /// Grounds independent claims in the documents `filter` keeps.
    func ground(claims: [(id: String?, text: String)], filter: MetadataFilter? = nil) async throws -> GroundedAnswer {
        var grounder = self.grounder
        grounder.filter = filter
        let sendableClaims = claims.map { Claim(id: $0.id, text: $0.text) }
        return try await run(on: groundingLane) { [grounder] in
            GroundedAnswer(
                answer: "", claims: try grounder.ground(claims: sendableClaims.map { (id: $0.id, text: $0.text) }))
        }
    }

    private struct Claim: Sendable {
        var id: String?
        var text: String
    }

    /// A PNG of one page of a PDF document, with the words of the source range `start..<end` highlighted:
    /// what the page shows beside a PDF citation. Images are kept for the last 32 pages asked for.
    func pageImage(document id: String, page: Int, highlighting range: Range<Int>?) async throws -> [UInt8] {
        guard let position = index.documentIndex(withID: id) else {
            throw APIError(.notFound, code: "no_such_document", "the index has no document \"\(id)\"")
        }
        let key = "\(id)\u{0}\(page)\u{0}\(range.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "")"
        if let cached = pageImages.value(for: key) { return cached }
        let document = try index.document(at: position)
        guard document.format == .pdf else {
            throw APIError(.notFound, code: "not_a_pdf", "\"\(id)\" is not a PDF; only PDF pages are drawn")
        }
        guard document.pages.contains(where: { $0.number == page }) else {
            throw APIError(
                .notFound, code: "no_such_page",
                "\"\(id)\" has pages 1–\(document.metadata["pages"] ?? "?"); page \(page) has no text or does not exist"
            )
        }
        guard let file = index.sourceFile(ofDocumentAt: position) else {
            throw APIError(
                .notFound, code: "source_missing",
                "the PDF is no longer where it was indexed from (\(index.manifest.corpus.path)); page images need it there"
            )
        }
        let highlights = range.map { document.wordBoxes(in: $0).filter { $0.page == page } } ?? []
        let image = try await run(on: groundingLane) {
            do {
                return try PDFPageRenderer.png(of: file, page: page, highlights: highlights)
            } catch {
                throw APIError(.internalServerError, code: "page_unreadable", "the page could not be drawn: \(error)")
            }
        }
        pageImages.store(image, for: key)
        return image
    }

    /// Runs `work` on `lane`, turning a refusal into a 503 and an engine error into a 500 that says what failed.
    private func run<Value: Sendable>(
        on lane: WorkerLane, timeLimit: Duration? = nil, _ work: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        let timeLimit = timeLimit ?? configuration.requestTimeLimit
        return try await refusalsAsErrors { try await lane.run(timeLimit: timeLimit, work) }
    }

    /// `body`'s value, with a refusal of a lane turned into a 503 and an engine error into a 500.
    private func refusalsAsErrors<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch WorkerLane.Refusal.timedOut {
            throw APIError(
                .serviceUnavailable, code: "time_limit",
                "the request took longer than the server's limit of \(configuration.requestTimeLimit); "
                    + "try a shorter answer or fewer claims")
        } catch WorkerLane.Refusal.busy {
            throw APIError(
                .serviceUnavailable, code: "busy",
                "the server has \(configuration.maxQueuedRequests) requests waiting; try again shortly")
        } catch let error as StorageError {
            throw APIError(.internalServerError, code: "index_error", "the index could not be read: \(error)")
        }
    }

    /// Lets the worker threads end once their queued work is done.
    public func stop() {
        searchLane.stop()
        groundingLane.stop()
    }
}

/// The last `capacity` values stored, by key; the oldest goes first.
final class RecentValues<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Value] = [:]
    private var order: [String] = []
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func value(for key: String) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }

    func store(_ value: Value, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        if values.updateValue(value, forKey: key) == nil { order.append(key) }
        while order.count > capacity { values[order.removeFirst()] = nil }
    }
}
