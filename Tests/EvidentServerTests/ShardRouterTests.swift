import Evident
import EvidentTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import EvidentServer

/// A server running on a free loopback port until stopped.
private final class RunningServer: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the application `make` builds (it reports the bound port to the closure it is given).
    static func start(
        _ make: (@escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol
    ) async throws -> RunningServer {
        let logger = Logger(label: "shard", factory: { _ in SwiftLogNoOpLogHandler() })
        let bound = Mutex<Int?>(nil)
        let application = make { port in bound.withLock { $0 = port } }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        let task = Task { try await group.run() }
        try await waitUntil("the server's start") { bound.withLock { $0 } != nil }
        return RunningServer(port: try #require(bound.withLock { $0 }), group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// An index split into shards, each scored with the shards' merged statistics and served on a loopback port: the
/// servers a router merges.
private final class ShardServers: Sendable {
    let servers: [RunningServer]
    let services: [EvidentService]
    /// Where the shards are written; removed by `stop`.
    private let folder: URL

    /// Builds `documents` into `count` shards (with `embedder`'s vectors when given) and serves each.
    init(documents: [Document], count: Int, embedder: SentenceEmbedder?) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "evident-shards-\(UUID().uuidString)")
        var shards: [EvidentIndex] = []
        // Every shard leaves out the lines repeated across the whole corpus, as `evident index --shard` does.
        var builder = IndexBuilder()
        builder.repeatedLines = Boilerplate.repeatedLines(in: documents)
        for number in 1...count {
            let shard = try #require(CorpusShard(number: number, of: count))
            let directory = folder.appendingPathComponent("shard-\(number)")
            let part = documents.filter { shard.contains(documentID: $0.id) }
            _ = try await BlockingWork.run { [builder] in
                try builder.build(documents: part, embedder: embedder)
                    .write(to: directory, corpusPath: "corpus", shard: shard)
            }
            shards.append(try EvidentIndex(contentsOf: directory))
        }
        let statistics = try CollectionStatistics.merging(shards.map { try CollectionStatistics(of: $0) })
        var services: [EvidentService] = []
        var servers: [RunningServer] = []
        for (number, shard) in shards.enumerated() {
            let scored = try shard.scoring(with: statistics)
            let retriever = try embedder.map { try Retriever(index: scored, embedder: $0) } ?? Retriever(index: scored)
            var configuration = ServerConfiguration.unhurried
            configuration.port = 0
            let service = EvidentService(
                retriever: retriever, name: "shard-\(number + 1)", configuration: configuration)
            services.append(service)
            let logger = Logger(label: "shard", factory: { _ in SwiftLogNoOpLogHandler() })
            servers.append(
                try await RunningServer.start { reportPort in
                    buildApplication(service: service, logger: logger, onServerRunning: reportPort)
                })
        }
        self.folder = folder
        self.services = services
        self.servers = servers
    }

    var urls: [String] { servers.map(\.url) }

    func stop() async {
        for server in servers { await server.stop() }
        for service in services { service.stop() }
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Runs `body` with an API client of a router over `urls`, checked against the OpenAPI document.
private func withRouter(
    _ urls: [String], timing: ShardRouter.Timing = quickTiming,
    _ body: @Sendable @escaping (APIClient, ShardRouter) async throws -> Void
) async throws {
    let logger = Logger(label: "router", factory: { _ in SwiftLogNoOpLogHandler() })
    let router = try await ShardRouter.connect(to: urls, timing: timing, logger: logger)
    let validator = try OpenAPIValidator(json: OpenAPIDocument.json)
    let application = buildRouterApplication(
        router: router, name: "cluster", configuration: .unhurried, logger: logger)
    do {
        try await application.test(.router) { client in
            try await body(APIClient(client: client, validator: validator), router)
        }
    } catch {
        await router.shutdown()
        throw error
    }
    await router.shutdown()
}

private let quickTiming: ShardRouter.Timing = {
    var timing = ShardRouter.Timing()
    timing.shardTimeout = .seconds(120)  // the other suites keep the cores busy: only a stopped shard is missing
    timing.startupWait = .seconds(5)
    return timing
}()

/// A result's passage and score, as the router's JSON and the library give them.
private struct Ranked: Hashable, CustomStringConvertible {
    var passage: String
    var score: Double

    init(json: [String: Any]) {
        passage = "\(json["document"] as? String ?? "?")@\(json["start"] as? Int ?? -1)"
        score = json["score"] as? Double ?? .nan
    }

    init(_ result: SearchResult) {
        passage = "\(result.citation.document)@\(result.citation.start)"
        score = result.score
    }

    var description: String { "\(passage) \(score)" }
}

/// Whether two rankings hold the same passages with the same scores (within float rounding): at each rank the same
/// score, and among equal scores the same passages in any order (a router orders ties by shard, an index by its
/// passage numbers), the tie at the end of the list apart (which of them made the list may differ).
private func sameRanking(_ routed: [Ranked], _ expected: [Ranked]) -> Bool {
    guard routed.count == expected.count else { return false }
    func close(_ left: Double, _ right: Double) -> Bool { abs(left - right) <= 1e-5 * max(1, abs(right)) }
    guard zip(routed, expected).allSatisfy({ close($0.score, $1.score) }) else { return false }
    let last = expected.last?.score ?? 0
    func kept(_ list: [Ranked]) -> [String] { list.filter { !close($0.score, last) }.map(\.passage).sorted() }
    return kept(routed) == kept(expected)
}

@Suite(.serialized)
struct ShardRouterTests {
    /// The demo corpus in 3 shards with the model, behind a router: every query's lexical, dense and hybrid top 10
    /// hold the passages and scores of one index of the whole corpus, the demo answer is grounded with the same
    /// verdicts and citations; with one shard stopped the answers go on, partial, naming it.
    @Test(.enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
    func aRouterOverThreeShardsAnswersAsOneIndexAndSaysWhenAShardIsMissing() async throws {
        let single = try #require(ModelFixture.retriever)
        let embedder = try #require(single.embedder)
        let documents = try #require(LexicalFixture.documents)
        let cluster = try await ShardServers(documents: documents, count: 3, embedder: embedder)
        let answer = try String(
            contentsOf: SharedData.demoCorpus.appendingPathComponent("answers/car-t-mesothelioma.md"), encoding: .utf8)
        let grounded = try await BlockingWork.run { try Grounder(retriever: single).ground(answer: answer) }
        let questions = [
            "How does CAR-T cell therapy work for mesothelioma?", "What causes mesothelioma?",
            "What are the side effects of immunotherapy?",
        ]
        let queries = [
            "How does CAR-T cell therapy work?", "first-line treatment for pleural mesothelioma",
            "side effects of immunotherapy", "what causes mesothelioma", "mesothelioma chemotherapy",
            "cytokine release syndrome symptoms", "pembrolizumab adverse events", "how is lung cancer staged",
        ]
        try await withRouter(cluster.urls) { api, router in
            #expect(router.shards.map(\.place.description) == ["1/3", "2/3", "3/3"])
            let health = try await api.send(.get, "/health")
            #expect(health.object["documents"] as? Int == single.index.documentCount)
            #expect(health.object["passages"] as? Int == single.index.passageCount)
            #expect(health.object["missing_shards"] as? [String] == [])

            var differing: [String] = []
            for mode in SearchMode.allCases {
                for query in queries {
                    let reply = try await api.send(
                        .post, "/v1/search", json: ["query": query, "limit": 10, "mode": mode.rawValue])
                    #expect(reply.status == 200, "\(reply.text)")
                    #expect(reply.object["partial"] as? Bool == false)
                    let routed = (reply.object["results"] as? [[String: Any]] ?? []).map(Ranked.init(json:))
                    let expected = try single.search(query, limit: 10, options: SearchOptions(mode: mode))
                        .map(Ranked.init)
                    if !sameRanking(routed, expected) { differing.append("\(mode) \(query): \(routed) ≠ \(expected)") }
                }
            }
            #expect(differing.isEmpty, "\(differing)")

            let reply = try await api.send(.post, "/v1/ground", json: ["answer": answer])
            #expect(reply.status == 200, "\(reply.text)")
            let claims = reply.object["claims"] as? [[String: Any]] ?? []
            #expect(claims.count == grounded.claims.count)
            for (routed, expected) in zip(claims, grounded.claims) {
                #expect(routed["verdict"] as? String == expected.verdict?.rawValue, "\(expected.text)")
                let citations = (routed["citations"] as? [[String: Any]] ?? []).map {
                    "\($0["document"] as? String ?? "?")@\($0["start"] as? Int ?? -1)"
                }
                #expect(citations == expected.citations.map { "\($0.document)@\($0.start)" }, "\(expected.text)")
                // The support within 2e-3: up to 5e-4 apart in this test (the cause not traced; through the CLI the
                // two agree to four decimals).
                if let support = expected.support {
                    #expect(abs((routed["support"] as? Double ?? -1) - support) < 2e-3, "\(expected.text)")
                }
            }
            #expect(grounded.verdictCounts[.supported, default: 0] > 0)

            // Ask: the same sentences, in the same order, from the same places, with the same relevance.
            for question in questions {
                let reply = try await api.send(.post, "/v1/ask", json: ["question": question, "sentences": 5])
                #expect(reply.status == 200, "\(reply.text)")
                let expected = try await BlockingWork.run { try ExtractiveAnswerer(retriever: single).answer(question) }
                let references = reply.object["references"] as? [[String: Any]] ?? []
                #expect(
                    references.map { "\($0["document"] as? String ?? "?")@\($0["start"] as? Int ?? -1)" }
                        == expected.references.map { "\($0.document)@\($0.start)" }, "\(question)")
                let relevance = (reply.object["sentences"] as? [[String: Any]] ?? []).map {
                    $0["relevance"] as? Double ?? -1
                }
                #expect(relevance.count == expected.sentences.count, "\(question)")
                for (routed, single) in zip(relevance, expected.sentences.map(\.relevance)) {
                    #expect(abs(routed - single) < 2e-3, "\(question)")
                }
            }

            // Shard 2 stops: answers go on without it, and say so.
            await cluster.servers[1].stop()
            let partial = try await api.send(
                .post, "/v1/search", json: ["query": queries[4], "limit": 10, "mode": "lexical"])
            #expect(partial.status == 200, "\(partial.text)")
            #expect(partial.object["partial"] as? Bool == true)
            #expect(partial.object["missing_shards"] as? [String] == ["2/3"])
            let shown = partial.object["results"] as? [[String: Any]] ?? []
            #expect(!shown.isEmpty && shown.allSatisfy { $0["shard"] as? String != "2/3" })
            // What it shows are shards 1 and 3's passages, each with its score in one index.
            let whole = try single.search(queries[4], limit: 100, options: SearchOptions(mode: .lexical))
            let scores = Dictionary(whole.map { (Ranked($0).passage, $0.score) }, uniquingKeysWith: max)
            for item in shown {
                let ranked = Ranked(json: item)
                let document = item["document"] as? String ?? ""
                #expect(CorpusShard.number(ofDocumentID: document, count: 3) != 2)
                #expect(abs((scores[ranked.passage] ?? -1) - ranked.score) <= 1e-5 * max(1, ranked.score))
            }
            let groundedPartly = try await api.send(.post, "/v1/ground", json: ["answer": answer])
            #expect(groundedPartly.status == 200 && groundedPartly.object["partial"] as? Bool == true)
            let partialHealth = try await api.send(.get, "/health")
            #expect(partialHealth.object["missing_shards"] as? [String] == ["2/3"])
            // A client's error is still the client's, as the shards that answer say.
            let badFilter = try await api.send(
                .post, "/v1/search", json: ["query": "mesothelioma", "filter": ["no-such-key": "x"]])
            #expect(badFilter.status == 422 && badFilter.errorCode == "invalid_filter", "\(badFilter.text)")

            // No shard at all: 503, never an empty success.
            await cluster.servers[0].stop()
            await cluster.servers[2].stop()
            let none = try await api.send(.post, "/v1/search", json: ["query": "mesothelioma"])
            #expect(none.status == 503 && none.errorCode == "shards_unavailable", "\(none.text)")
        }
        await cluster.stop()
    }

    /// SciFact's train queries and NCI PDQ's document titles through a router over 3 lexical shards: the top 10
    /// of one index, passages and BM25 scores.
    @Test(
        .enabled(
            if: SharedData.sciFact != nil && SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func sciFactAndPDQThroughARouterRankAsOneIndex() async throws {
        let sciFact = try #require(SharedData.sciFact)
        let pdq = try #require(SharedData.nciPDQ)
        let sciFactDocuments = try CorpusReader().read(at: sciFact.appendingPathComponent("corpus.jsonl")).documents
        let sciFactQueries = try QueryFile.read(at: sciFact.appendingPathComponent("queries.jsonl")).map(\.text)
        let pdqDocuments = try PDQFixture.markdownFiles(under: pdq).map { try PDQFixture.document(at: $0, root: pdq) }
        let pdqQueries = pdqDocuments.map(\.title).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        for (documents, queries) in [(sciFactDocuments, sciFactQueries), (pdqDocuments, pdqQueries)] {
            let single = Retriever(index: try EvidentIndex(build: IndexBuilder().build(documents: documents)))
            let cluster = try await ShardServers(documents: documents, count: 3, embedder: nil)
            try await withRouter(cluster.urls) { api, _ in
                var differing: [String] = []
                for query in queries {
                    let reply = try await api.send(.post, "/v1/search", json: ["query": query, "limit": 10])
                    let routed = (reply.object["results"] as? [[String: Any]] ?? []).map(Ranked.init(json:))
                    let expected = try single.search(query, limit: 10).map(Ranked.init)
                    if reply.status != 200 || !sameRanking(routed, expected) { differing.append(query) }
                }
                #expect(
                    differing.isEmpty,
                    "\(differing.count) of \(queries.count) queries rank otherwise, first \(differing.first ?? "")")
            }
            await cluster.stop()
        }
    }

    /// A router starts only over the shards of one split of one cluster, each once.
    @Test(.enabled(if: LexicalFixture.documents != nil, "the demo corpus (Corpus/) is missing"))
    func aRouterRefusesServersThatAreNotTheShardsOfOneCluster() async throws {
        let documents = try #require(LexicalFixture.documents)
        let cluster = try await ShardServers(documents: documents, count: 2, embedder: nil)
        let logger = Logger(label: "router", factory: { _ in SwiftLogNoOpLogHandler() })
        func refusal(_ urls: [String]) async -> ShardRouterError? {
            do {
                let router = try await ShardRouter.connect(to: urls, timing: quickTiming, logger: logger)
                await router.shutdown()
                return nil
            } catch {
                return error as? ShardRouterError
            }
        }
        // A whole index is no shard.
        let whole = try LexicalFixture.service { $0.port = 0 }
        let wholeServer = try await RunningServer.start { reportPort in
            buildApplication(
                service: whole, logger: Logger(label: "whole", factory: { _ in SwiftLogNoOpLogHandler() }),
                onServerRunning: reportPort)
        }
        #expect(await refusal([cluster.urls[0], wholeServer.url]) == .notAShard(url: wholeServer.url))
        #expect(
            await refusal([cluster.urls[0]])
                == .wrongShardCount(url: cluster.urls[0], place: CorpusShard(number: 1, of: 2)!, given: 1))
        #expect(
            await refusal([cluster.urls[0], cluster.urls[0]])
                == .repeatedShard(place: CorpusShard(number: 1, of: 2)!, urls: [cluster.urls[0], cluster.urls[0]]))
        // Nothing listens: said after the wait, with the address.
        await wholeServer.stop()
        whole.stop()
        if case .unreachable(let url, _, _)? = await refusal([cluster.urls[0], wholeServer.url]) {
            #expect(url == wholeServer.url)
        } else {
            Issue.record("a server that does not answer is not reported as unreachable")
        }
        // The shards of one cluster, in any order, are accepted in shard order.
        let router = try await ShardRouter.connect(to: cluster.urls.reversed(), timing: quickTiming, logger: logger)
        #expect(router.shards.map(\.url) == cluster.urls)
        await router.shutdown()
        await cluster.stop()
    }
}
