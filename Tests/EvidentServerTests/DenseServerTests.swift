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
        let service = EvidentService(retriever: retriever, name: "demo")
        let query = queries[1]
        let expected = try retriever.search(query, limit: 5, options: SearchOptions(mode: .hybrid))
        try await withAPI(service) { api in
            let reply = try await api.send(.post, "/v1/search", json: ["query": query, "limit": 5])
            #expect(reply.status == 200)
            #expect(reply.object["mode"] as? String == "hybrid")
            let results = try #require(reply.object["results"] as? [[String: Any]])
            #expect(results.map { $0["passage"] as? Int } == expected.map(\.passageIndex))
        }
    }

    @Test func queriesThatArriveTogetherAreEmbeddedTogether() async throws {
        let retriever = try #require(ModelFixture.retriever)
        let embedder = try #require(retriever.embedder)
        let lane = WorkerLane(name: "encode", threadCount: 2, niceness: 0, capacity: 64)
        defer { lane.stop() }
        let encoder = QueryEncoder(embedder: embedder, lane: lane)
        let requests = (0..<4).flatMap { _ in queries }
        let vectors = try await withThrowingTaskGroup(of: (String, [Float]).self) { group in
            for query in requests {
                group.addTask { (query, try await encoder.vector(for: query, timeLimit: .seconds(60))) }
            }
            var vectors: [(String, [Float])] = []
            for try await vector in group { vectors.append(vector) }
            return vectors
        }
        #expect(vectors.count == requests.count)
        #expect(encoder.batchCount < requests.count, "\(encoder.batchCount) passes for \(requests.count) queries")
        for (query, vector) in vectors {
            let alone = embedder.embed([query])[0]
            let cosine = zip(vector, alone).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.99999, "\(query): \(cosine)")
        }
    }

    @Test func aLargeBatchEncodedInTwoHalvesKeepsItsOrderAndItsVectors() throws {
        let retriever = try #require(ModelFixture.retriever)
        let embedder = try #require(retriever.embedder)
        let lane = WorkerLane(name: "encode", threadCount: 2, niceness: 0, capacity: 64)
        defer { lane.stop() }
        let encoder = QueryEncoder(embedder: embedder, lane: lane)
        // An odd count: halves of unequal size.
        let texts = Array(queries.prefix(QueryEncoder.halvedBatch + 1))
        #expect(texts.count > QueryEncoder.halvedBatch && texts.count % 2 == 1)
        let vectors = encoder.embed(texts)
        #expect(vectors.count == texts.count)
        for (text, vector) in zip(texts, vectors) {
            let alone = embedder.embed([text])[0]
            let cosine = zip(vector, alone).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.99999, "\(text): \(cosine)")
        }
    }

    @Test func concurrentHybridSearchesAllSucceedWithTheSameTopPassages() async throws {
        let retriever = try #require(ModelFixture.retriever)
        let service = EvidentService(retriever: retriever, name: "demo")
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
