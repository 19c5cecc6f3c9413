import Evident
import EvidentTestSupport
import Foundation
import HTTPTypes
import Logging
import Testing

@testable import EvidentServer

/// The demo corpus indexed with the model (about 25 s in a debug build), built once.
enum ModelFixture {
    static let retriever: Retriever? = {
        guard let model = SharedData.miniLMModel, let embedder = try? SentenceEmbedder(directory: model),
            let documents = LexicalFixture.documents,
            let index = try? EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        else { return nil }
        return try? Retriever(index: index, embedder: embedder)
    }()
}

@Suite(.serialized, .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
struct DenseServerTests {
    let queries = [
        "How does CAR-T cell therapy work?", "first-line treatment for pleural mesothelioma",
        "side effects of immunotherapy", "what causes mesothelioma", "radiation for lung cancer",
        "clinical trials for solid tumors", "cytokine release syndrome symptoms", "how long does CAR T take",
    ]

    @Test func aHybridSearchOnAQuietServerEqualsTheLibrarys() async throws {
        let retriever = try #require(ModelFixture.retriever)
        let service = EvidentService(retriever: retriever, name: "demo", configuration: .unhurried)
        let query = queries[1]
        let expected = try retriever.search(query, limit: 5, options: SearchOptions(mode: .hybrid))
        try await withAPI(service) { api in
            let reply = try await api.send(.post, "/v1/search", json: ["query": query, "limit": 5])
            #expect(reply.status == 200)
            #expect(reply.object["mode"] as? String == "hybrid")
            let results = try #require(reply.object["results"] as? [[String: Any]])
            #expect(results.map { $0["passage"] as? Int } == expected.map(\.passageIndex))
            // Exact search and a number of lists are accepted; without an approximate index they change nothing.
            let exact = try await api.send(
                .post, "/v1/search", json: ["query": query, "limit": 5, "exact": true, "probes": 3])
            #expect(exact.status == 200, "\(exact.text)")
            let exactResults = try #require(exact.object["results"] as? [[String: Any]])
            #expect(exactResults.map { $0["passage"] as? Int } == expected.map(\.passageIndex))
        }
    }

    @Test func searchesThatArriveTogetherRunTogetherWithTheirOwnResults() async throws {
        let retriever = try #require(ModelFixture.retriever)
        let lane = WorkerLane(name: "search", threadCount: 2, capacity: 64)
        defer { lane.stop() }
        let batcher = SearchBatcher(retriever: retriever, lane: lane)
        let requests = (0..<4).flatMap { _ in queries }.enumerated().map { number, query in
            Retriever.BatchQuery(
                query, limit: 1 + number % 5, options: SearchOptions(mode: number % 3 == 0 ? .dense : .hybrid))
        }
        let found = try await withThrowingTaskGroup(of: (Int, [SearchResult]).self) { group in
            for (number, request) in requests.enumerated() {
                group.addTask { (number, try await batcher.search(request, timeLimit: .seconds(60))) }
            }
            var found: [Int: [SearchResult]] = [:]
            for try await (number, results) in group { found[number] = results }
            return found
        }
        #expect(found.count == requests.count)
        #expect(batcher.batchCount < requests.count, "\(batcher.batchCount) batches for \(requests.count) searches")
        for (number, request) in requests.enumerated() {
            let alone = try retriever.search(request.query, limit: request.limit, options: request.options)
            #expect(found[number]?.map(\.passageIndex) == alone.map(\.passageIndex), "\(request.query)")
        }
    }

    @Test func aLargeBatchRunInTwoHalvesKeepsItsOrderAndItsResults() throws {
        let retriever = try #require(ModelFixture.retriever)
        let lane = WorkerLane(name: "search", threadCount: 2, capacity: 64)
        defer { lane.stop() }
        let batcher = SearchBatcher(retriever: retriever, lane: lane)
        // An odd count: halves of unequal size.
        let requests = queries.prefix(SearchBatcher.halvedBatch + 1).map {
            Retriever.BatchQuery($0, limit: 3, options: SearchOptions(mode: .hybrid))
        }
        #expect(requests.count > SearchBatcher.halvedBatch && requests.count % 2 == 1)
        let found = batcher.run(requests)
        #expect(found.count == requests.count)
        for (request, results) in zip(requests, found) {
            let alone = try retriever.search(request.query, limit: 3, options: request.options)
            #expect(try results.get().map(\.passageIndex) == alone.map(\.passageIndex), "\(request.query)")
        }
    }

    @Test func concurrentHybridSearchesAllSucceedWithTheSameTopPassages() async throws {
        let retriever = try #require(ModelFixture.retriever)
        let service = EvidentService(retriever: retriever, name: "demo", configuration: .unhurried)
        let expected = try Dictionary(
            uniqueKeysWithValues: queries.map {
                ($0, try retriever.search($0, limit: 3, options: SearchOptions(mode: .hybrid)).map(\.passageIndex))
            })
        try await withAPI(service) { api in
            let replies = try await withThrowingTaskGroup(of: (String, Int, [Int]).self) { group in
                for query in queries + queries {
                    group.addTask {
                        let reply = try await api.send(.post, "/v1/search", json: ["query": query, "limit": 3])
                        let results = reply.object["results"] as? [[String: Any]] ?? []
                        return (query, reply.status, results.compactMap { $0["passage"] as? Int })
                    }
                }
                var replies: [(String, Int, [Int])] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            for (query, status, passages) in replies {
                #expect(status == 200)
                #expect(passages == expected[query], "\(query)")
            }
        }
    }
}
