import AsyncHTTPClient
public import Evident
import Foundation
import HTTPTypes
public import Logging
import NIOCore
import NIOHTTP1

/// The front of a sharded index: answers the API of `evident serve` by asking every shard's server and merging
/// their answers as one index of all their passages would answer (`ShardedRanking`, `GroundingJudge`).
///
/// A search asks each shard for its rankings (BM25 with the cluster's statistics, cosines), merges and fuses them,
/// then asks the shards that hold the best passages for their results. Asking ranks the question's candidate
/// passages over every shard, asks the shards that hold them for their scored sentences (with their vectors), and
/// picks the answer here. Grounding ranks each claim's candidate
/// passages the same way, asks the shards that hold them for their scored sentences, and judges the claims here. A
/// shard that does not answer in time, or answers with a server error, is left out and named: the answer says
/// `"partial": true` and `"missing_shards"`. Client errors a shard reports (a bad filter) are the client's, and
/// passed on.
public final class ShardRouter: Sendable {
    /// A shard server: its place in the split and its address.
    public struct Shard: Sendable, Hashable {
        /// Its place ("2/3").
        public let place: CorpusShard
        /// Its base address, such as http://127.0.0.1:8081.
        public let url: String
    }

    /// How long the router waits for shards.
    public struct Timing: Sendable, Hashable {
        /// How long a shard may take to answer one call before the answer goes on without it.
        public var shardTimeout: Duration = .seconds(5)
        /// How long `connect` waits for every shard to answer its first `/health`.
        public var startupWait: Duration = .seconds(60)
        /// How long the router keeps trying to open a connection to a shard that refuses it (its server down, or
        /// restarting) before the answer goes on without the shard: short, so that a dead shard costs a request
        /// a moment, not the whole `shardTimeout`.
        public var connectTimeout: Duration = .milliseconds(250)

        public init() {}
    }

    /// The shards, in shard order.
    public let shards: [Shard]
    /// The cluster's identity (`CollectionStatistics.clusterIdentity`), which every shard reported.
    public let cluster: String
    /// The model every shard searches with, or `nil` when they search lexically only.
    public let model: String?
    /// Whether the shards store sentence vectors (so that grounding scores every candidate sentence).
    public let scoresEverySentence: Bool
    /// The lexical scoring's description, as a search response gives it.
    let scoring: String
    /// Decides the claims' verdicts from the shards' candidates.
    let judge: GroundingJudge
    /// The answerer's settings (the shards' defaults).
    let answering = AnswerConfiguration()
    let timing: Timing
    private let client: HTTPClient
    private let logger: Logger

    private init(
        shards: [Shard], health: EvidentService.Health, scoring: String, scoresEverySentence: Bool,
        judge: GroundingJudge, timing: Timing, client: HTTPClient, logger: Logger
    ) {
        self.shards = shards
        cluster = health.cluster ?? ""
        model = health.model
        self.scoring = scoring
        self.scoresEverySentence = scoresEverySentence
        self.judge = judge
        self.timing = timing
        self.client = client
        self.logger = logger
    }

    /// Connects to the shard servers at `urls`: waits (up to `timing.startupWait`) until each answers `/health`,
    /// and checks that together they are the shards 1 … N of one cluster, each once, with one model.
    ///
    /// - Parameters:
    ///   - urls: The shard servers' base addresses, in any order.
    ///   - timing: How long to wait for the shards.
    ///   - grounding: The grounding settings; they must be the shards' (the router judges, the shards score).
    ///   - verifier: The claim verifier the router reads claims with, if any.
    ///   - logger: Where shards that fail are logged.
    /// - Returns: The router, its shards in shard order.
    /// - Throws: `ShardRouterError` naming the shard and what is wrong.
    public static func connect(
        to urls: [String], timing: Timing = Timing(), grounding: GroundingConfiguration = GroundingConfiguration(),
        verifier: ClaimVerifier? = nil, logger: Logger
    ) async throws -> ShardRouter {
        guard !urls.isEmpty else { throw ShardRouterError.noShards }
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = timeAmount(timing.connectTimeout)
        // Connections kept open to each shard: as many as requests in flight at once, within reason.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let bases = urls.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            var found: [(url: String, health: EvidentService.Health)] = []
            for url in bases {
                found.append((url, try await firstHealth(of: url, client: client, wait: timing.startupWait)))
            }
            var shards: [Shard] = []
            for (url, health) in found {
                guard let text = health.shard, let place = CorpusShard(parsing: text), health.cluster != nil else {
                    throw ShardRouterError.notAShard(url: url)
                }
                guard place.count == bases.count else {
                    throw ShardRouterError.wrongShardCount(url: url, place: place, given: bases.count)
                }
                if let other = shards.first(where: { $0.place == place }) {
                    throw ShardRouterError.repeatedShard(place: place, urls: [other.url, url])
                }
                guard health.cluster == found[0].health.cluster else {
                    throw ShardRouterError.otherCluster(url: url, first: found[0].url)
                }
                guard health.model == found[0].health.model else {
                    throw ShardRouterError.otherModel(url: url, model: health.model, first: found[0].health.model)
                }
                shards.append(Shard(place: place, url: url))
            }
            shards.sort { $0.place.number < $1.place.number }
            let scoring = try await scoringDescription(of: shards[0].url, client: client, timeout: timing.shardTimeout)
            return ShardRouter(
                shards: shards, health: found[0].health, scoring: scoring,
                scoresEverySentence: found.allSatisfy { $0.health.sentenceVectors > 0 },
                judge: GroundingJudge(configuration: grounding, verifier: verifier), timing: timing, client: client,
                logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the connections to the shards.
    public func shutdown() async {
        try? await client.shutdown()
    }

    // MARK: What the router answers

    /// The router's health: the shards' counts summed, and the shards that did not answer.
    func health(name: String) async -> EvidentService.Health {
        let asked = try? await askEveryShard { shard in
            try await self.get(shard, "/health", as: EvidentService.Health.self)
        }
        let answers = asked ?? shards.map { _ in nil }
        let healths = answers.compactMap(\.self)
        return EvidentService.Health(
            status: "ok", index: name, documents: healths.reduce(0) { $0 + $1.documents },
            passages: healths.reduce(0) { $0 + $1.passages },
            sentenceVectors: healths.reduce(0) { $0 + $1.sentenceVectors }, model: model, version: evidentVersion,
            shard: nil, cluster: cluster, missingShards: missing(answers))
    }

    /// A search over every shard, merged.
    func search(_ request: SearchRequest) async throws -> Routed<SearchResponse> {
        let mode = try resolvedMode(request.options.mode)
        var asked = request
        asked.options.mode = mode
        let forwarded = asked
        let rankings = try await askEveryShard { shard in
            try await self.post(shard, "/v1/shard/rankings", forwarded.body, as: ShardRankings.self)
        }
        var missing = Set(missingPositions(rankings))
        guard missing.count < shards.count else { throw noShardAnswered }
        let ranked = ShardedRanking.rank(
            rankings, mode: mode, limit: request.limit, fusion: request.options.fusion,
            fusionDepth: request.options.fusionDepth)
        let resultsByShard = try await askShards(Set(ranked.map(\.passage.shard))) { shard in
            let passages = ranked.filter { $0.passage.shard == shard }.map {
                ShardRankedPassage(passage: $0.passage.passage, score: $0.score)
            }
            return try await self.post(
                shard, "/v1/shard/results", ShardResultsRequest(query: request.query, passages: passages),
                as: ShardResultsReply.self
            ).results
        }
        var items: [SearchResponse.Item] = []
        var next = [Int](repeating: 0, count: shards.count)
        for entry in ranked {
            let shard = entry.passage.shard
            // A shard that did not answer, or sent fewer results than it was asked for, is missing.
            guard let results = resultsByShard[shard] ?? nil, next[shard] < results.count else {
                missing.insert(shard)
                continue
            }
            var item = results[next[shard]]
            next[shard] += 1
            item.rank = items.count + 1
            item.score = entry.score
            item.shard = shards[shard].place.description
            items.append(item)
        }
        let response = SearchResponse(query: request.query, mode: mode, scoring: scoring, items: items)
        return Routed(response, missing: missing.sorted().map { shards[$0].place.description })
    }

    /// Grounds the statements of `plan` over every shard and assembles the grounded answer.
    func ground(_ plan: GroundingJudge.Plan, filter: JSONValue?) async throws -> Routed<GroundedAnswer> {
        let statements = plan.statements
        guard !statements.isEmpty else { return Routed(judge.assemble(plan, grounded: []), missing: []) }
        // Each statement's candidate passages, ranked over every shard as `Grounder` ranks them in one index.
        let options = SearchOptions(mode: model == nil ? .lexical : .hybrid)
        let requests = statements.map {
            SearchRequest(
                query: $0, limit: judge.configuration.candidatePassages, options: options, filter: filter)
        }
        var missing = Set<Int>()
        var ranked: [[(passage: ShardPassage, score: Double)]] = []
        let rankings = try await askEveryShard { shard in
            var lists: [ShardRankings] = []
            for request in requests {
                lists.append(try await self.post(shard, "/v1/shard/rankings", request.body, as: ShardRankings.self))
            }
            return lists
        }
        missing.formUnion(missingPositions(rankings))
        guard missing.count < shards.count else { throw noShardAnswered }
        for position in statements.indices {
            ranked.append(
                ShardedRanking.rank(
                    rankings.map { $0?[position] }, mode: options.mode ?? .lexical, limit: requests[position].limit))
        }
        let rankedPassages = ranked
        // The shards that hold candidate passages score their sentences for every statement they hold any for.
        let holding = Set(rankedPassages.joined().map(\.passage.shard))
        let candidates = try await askShards(holding) { shard in
            let passages = rankedPassages.map { ranked in
                ranked.enumerated().compactMap { rank, entry in
                    entry.passage.shard == shard ? [entry.passage.passage, rank] : nil
                }
            }
            return try await self.post(
                shard, "/v1/shard/grounding", ShardGroundingRequest(statements: statements, passages: passages),
                as: ShardGroundingReply.self, timeout: self.timing.shardTimeout * 3
            ).candidates
        }
        let perShard = everyShard(candidates, holding: holding, missing: &missing)
        let grounded = judge.verdicts(
            for: statements, candidates: perShard, scoresEverySentence: scoresEverySentence)
        return Routed(
            judge.assemble(plan, grounded: grounded), missing: missing.sorted().map { shards[$0].place.description })
    }

    /// An extractive answer to `question` from every shard's candidate sentences, picked as one index picks them.
    func ask(_ question: String, sentences: Int, filter: JSONValue?) async throws -> Routed<ExtractiveAnswer> {
        let plan = AnswerPlan(question, sentenceCount: sentences, configuration: answering)
        let options = SearchOptions(mode: model == nil ? .lexical : .hybrid)
        let requests = zip(plan.queries, plan.limits).map {
            SearchRequest(query: $0, limit: $1, options: options, filter: filter)
        }
        let rankings = try await askEveryShard { shard in
            var lists: [ShardRankings] = []
            for request in requests {
                lists.append(try await self.post(shard, "/v1/shard/rankings", request.body, as: ShardRankings.self))
            }
            return lists
        }
        var missing = Set(missingPositions(rankings))
        guard missing.count < shards.count else { throw noShardAnswered }
        let ranked = requests.indices.map { position in
            ShardedRanking.rank(
                rankings.map { $0?[position] }, mode: options.mode ?? .lexical, limit: requests[position].limit
            ).map(\.passage)
        }
        let passages = plan.passages(ranked)
        let holding = Set(passages.map(\.passage.shard))
        let candidates = try await askShards(holding) { shard in
            let mine = passages.filter { $0.passage.shard == shard }.map {
                [$0.passage.passage, $0.place, $0.rank]
            }
            return try await self.post(
                shard, "/v1/shard/answer",
                ShardAnswerRequest(question: question, sentences: sentences, passages: mine),
                as: ShardAnswerReply.self, timeout: self.timing.shardTimeout * 3
            ).candidates
        }
        let perShard = everyShard(candidates, holding: holding, missing: &missing)
        let answer = plan.answer(
            shardCandidates: perShard, configuration: answering, scoresEverySentence: scoresEverySentence)
        return Routed(answer, missing: missing.sorted().map { shards[$0].place.description })
    }

    /// The image of a PDF page, from the shard that holds the document (by the hash of its id).
    func pageImage(query: String, document: String) async throws -> (contentType: String, bytes: ByteBuffer) {
        let number = CorpusShard.number(ofDocumentID: document, count: shards.count)
        let shard = number - 1
        var request = HTTPClientRequest(url: shards[shard].url + "/v1/page?" + query)
        request.method = .GET
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeAmount(timing.shardTimeout * 3))
            body = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw shardDown([shard])
        }
        guard response.status.code < 500 else { throw shardDown([shard]) }
        guard response.status == .ok else { throw passedOn(body, status: Int(response.status.code)) }
        return (response.headers.first(name: "Content-Type") ?? "image/png", body)
    }

    // MARK: Calls

    /// Every shard's candidates in shard order, from the answers of the shards `holding` candidate passages: empty
    /// for a shard that holds none, and for one that did not answer, which joins `missing`.
    private func everyShard<Candidate>(
        _ answers: [Int: [Candidate]?], holding: Set<Int>, missing: inout Set<Int>
    ) -> [[Candidate]] {
        shards.indices.map { shard in
            guard holding.contains(shard) else { return [] }
            guard let list = answers[shard] ?? nil else {
                missing.insert(shard)
                return []
            }
            return list
        }
    }

    /// The mode of a search: the one asked for, or the best the shards can do.
    private func resolvedMode(_ mode: SearchMode?) throws -> SearchMode {
        guard let mode else { return model == nil ? .lexical : .hybrid }
        if mode != .lexical, model == nil {
            throw APIError.unprocessable(
                "mode_unavailable",
                "\(mode.rawValue) search needs the embedding model, and these shards search lexically only; "
                    + "send \"mode\": \"lexical\"")
        }
        return mode
    }

    private var noShardAnswered: APIError {
        shardDown(Array(shards.indices))
    }

    private func shardDown(_ positions: [Int]) -> APIError {
        APIError(
            .serviceUnavailable, code: "shards_unavailable",
            "no answer from shard \(positions.map { shards[$0].place.description }.joined(separator: ", ")) "
                + "within \(timing.shardTimeout); try again shortly")
    }

    /// Runs `call` for every shard at once; a shard's value is `nil` when it did not answer (a client error it
    /// reports is thrown instead, by the caller's check of `askShards`).
    private func askEveryShard<Value: Sendable>(_ call: @escaping @Sendable (Int) async throws -> Value) async throws
        -> [Value?]
    {
        let answers = try await askShards(Set(shards.indices), call)
        return shards.indices.map { answers[$0] ?? nil }
    }

    /// Runs `call` for each of `positions` at once: each position's value, `nil` for a shard that failed.
    ///
    /// - Throws: The API error of a shard that refused the request as the client's error.
    private func askShards<Value: Sendable>(
        _ positions: Set<Int>, _ call: @escaping @Sendable (Int) async throws -> Value
    ) async throws -> [Int: Value?] {
        let outcomes = await withTaskGroup(of: (Int, Result<Value, any Error>).self) { group in
            for position in positions {
                group.addTask {
                    do {
                        return (position, .success(try await call(position)))
                    } catch {
                        return (position, .failure(error))
                    }
                }
            }
            var outcomes: [(Int, Result<Value, any Error>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var answers: [Int: Value?] = [:]
        for (position, outcome) in outcomes.sorted(by: { $0.0 < $1.0 }) {
            switch outcome {
            case .success(let value):
                answers[position] = value
            case .failure(ShardCallError.clientError(let error)):
                throw error
            case .failure(let error):
                logger.warning("shard \(shards[position].place) (\(shards[position].url)) left out: \(error)")
                answers[position] = .some(nil)
            }
        }
        return answers
    }

    private func missingPositions<Value>(_ answers: [Value?]) -> [Int] {
        answers.indices.filter { answers[$0] == nil }
    }

    private func missing<Value>(_ answers: [Value?]) -> [String] {
        missingPositions(answers).map { shards[$0].place.description }
    }

    private func get<Reply: Decodable>(_ shard: Int, _ path: String, as type: Reply.Type) async throws -> Reply {
        var request = HTTPClientRequest(url: shards[shard].url + path)
        request.method = .GET
        return try await send(request, as: type, timeout: timing.shardTimeout)
    }

    private func post<Reply: Decodable>(
        _ shard: Int, _ path: String, _ body: some Encodable, as type: Reply.Type, timeout: Duration? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: shards[shard].url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        return try await send(request, as: type, timeout: timeout ?? timing.shardTimeout)
    }

    private func send<Reply: Decodable>(_ request: HTTPClientRequest, as type: Reply.Type, timeout: Duration)
        async throws -> Reply
    {
        try await Self.send(request, as: type, client: client, timeout: timeout)
    }

    /// Sends `request` and decodes its reply; a shard's 4xx is the client's error, passed on as the API error it
    /// is (`ShardCallError.clientError`), anything else that fails is the shard's (`ShardCallError.failed`).
    private static func send<Reply: Decodable>(
        _ request: HTTPClientRequest, as type: Reply.Type, client: HTTPClient, timeout: Duration
    ) async throws -> Reply {
        let response = try await client.execute(request, timeout: timeAmount(timeout))
        let body = try await response.body.collect(upTo: 256 << 20)
        guard response.status == .ok else {
            if (400..<500).contains(Int(response.status.code)) {
                throw ShardCallError.clientError(passedOn(body, status: Int(response.status.code)))
            }
            throw ShardCallError.failed(status: Int(response.status.code), body: String(buffer: body))
        }
        return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }

    /// The first `/health` of the server at `url`, asked every 200 ms until it answers or `wait` has passed.
    private static func firstHealth(of url: String, client: HTTPClient, wait: Duration) async throws
        -> EvidentService.Health
    {
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        var lastError: any Error = ShardRouterError.noShards
        repeat {
            var request = HTTPClientRequest(url: url + "/health")
            request.method = .GET
            do {
                return try await send(request, as: EvidentService.Health.self, client: client, timeout: .seconds(5))
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        } while clock.now < deadline
        throw ShardRouterError.unreachable(url: url, reason: "\(lastError)", waited: wait)
    }

    /// The lexical scoring's description, from a shard's search response.
    private static func scoringDescription(of url: String, client: HTTPClient, timeout: Duration) async throws
        -> String
    {
        var request = HTTPClientRequest(url: url + "/v1/search")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"query": "scoring", "limit": 1, "mode": "lexical"}"#))
        do {
            return try await send(request, as: SearchResponse.self, client: client, timeout: timeout).scoring
        } catch {
            throw ShardRouterError.unreachable(url: url, reason: "\(error)", waited: timeout)
        }
    }
}

/// An answer of a router, with what it lacks: `"partial": true` and the shards that did not answer.
struct Routed<Body: Encodable & Sendable>: Encodable, Sendable {
    var body: Body
    var missingShards: [String]

    init(_ body: Body, missing: [String]) {
        self.body = body
        missingShards = missing
    }

    enum CodingKeys: String, CodingKey {
        case partial, missingShards = "missing_shards"
    }

    func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(!missingShards.isEmpty, forKey: .partial)
        try container.encode(missingShards, forKey: .missingShards)
    }
}

/// Why a call to a shard failed.
enum ShardCallError: Error, CustomStringConvertible {
    /// The shard refused the request as the client's error; the router refuses it the same way.
    case clientError(APIError)
    /// The shard answered with a server error.
    case failed(status: Int, body: String)

    var description: String {
        switch self {
        case .clientError(let error): "\(error)"
        case .failed(let status, let body): "status \(status): \(body.prefix(300))"
        }
    }
}

/// The API error in a shard's error body, or a generic one with its status.
private func passedOn(_ body: ByteBuffer, status: Int) -> APIError {
    let decoded = try? JSONDecoder().decode(APIError.Body.self, from: Data(body.readableBytesView))
    return APIError(
        HTTPResponse.Status(code: status), code: decoded?.error.code ?? "shard_refused",
        decoded?.error.message ?? String(buffer: body))
}

/// `duration` as NIO's time amount.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}

/// Why a router could not start over the shards it was given.
public enum ShardRouterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No shard address was given.
    case noShards
    /// A shard's server did not answer `/health` within the wait.
    case unreachable(url: String, reason: String, waited: Duration)
    /// The server at `url` serves an index that is not a shard scored with a cluster's statistics.
    case notAShard(url: String)
    /// The shard at `url` is one of a split into another number of shards than the addresses given.
    case wrongShardCount(url: String, place: CorpusShard, given: Int)
    /// Two addresses serve the same shard.
    case repeatedShard(place: CorpusShard, urls: [String])
    /// The shard at `url` scores with another cluster's statistics than the shard at `first`.
    case otherCluster(url: String, first: String)
    /// The shard at `url` searches with another model (or none) than the first shard.
    case otherModel(url: String, model: String?, first: String?)

    public var description: String {
        switch self {
        case .noShards: "no shard server was given"
        case .unreachable(let url, let reason, let waited):
            "the shard server at \(url) did not answer /health within \(waited): \(reason)"
        case .notAShard(let url):
            "the server at \(url) does not serve a shard scored with a cluster's statistics"
        case .wrongShardCount(let url, let place, let given):
            "the server at \(url) serves shard \(place), one of \(place.count), but \(given) shard servers were given"
        case .repeatedShard(let place, let urls):
            "shard \(place) is served at both \(urls.joined(separator: " and "))"
        case .otherCluster(let url, let first):
            "the shard at \(url) scores with another cluster's statistics than the shard at \(first)"
        case .otherModel(let url, let model, let first):
            "the shard at \(url) searches with \(model ?? "no model"), the first shard with \(first ?? "no model")"
        }
    }
}

// MARK: The shards' own routes' bodies

/// What `POST /v1/shard/results` takes.
struct ShardResultsRequest: Codable, Sendable {
    var query: String
    var passages: [ShardRankedPassage]
}

/// What `POST /v1/shard/results` answers.
struct ShardResultsReply: Codable, Sendable {
    var results: [SearchResponse.Item]
}

/// What `POST /v1/shard/grounding` takes: the statements, and for each the shard's candidate passages as
/// `[passage, rank]` pairs (the rank in the whole index's retrieval, from 0).
struct ShardGroundingRequest: Codable, Sendable {
    var statements: [String]
    var passages: [[[Int]]]
}

/// What `POST /v1/shard/answer` takes: the question, the sentences wanted, and the shard's candidate passages as
/// `[passage, place, rank]` triples (their place among every shard's candidate passages, and their rank).
struct ShardAnswerRequest: Codable, Sendable {
    var question: String
    var sentences: Int
    var passages: [[Int]]
}

/// What `POST /v1/shard/answer` answers.
struct ShardAnswerReply: Codable, Sendable {
    var candidates: [AnswerCandidate]
}

/// What `POST /v1/shard/grounding` answers.
struct ShardGroundingReply: Codable, Sendable {
    var candidates: [[GroundingCandidate]]
}
