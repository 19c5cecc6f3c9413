import Evident
import EvidentTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import EvidentServer

/// The demo corpus indexed without a model (lexical search; ask and ground compare words), built once.
enum LexicalFixture {
    /// The demo corpus without its sample answers, read once.
    static let documents: [Document]? = try? CorpusReader(
        configuration: CorpusReaderConfiguration(excludedPaths: ["answers"])
    ).read(at: SharedData.demoCorpus).documents

    static let retriever: Retriever? = {
        guard let documents, let index = try? EvidentIndex(build: IndexBuilder().build(documents: documents))
        else { return nil }
        return Retriever(index: index)
    }()

    static func service(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> EvidentService {
        var configuration = ServerConfiguration.unhurried
        configuration.searchThreads = 2
        configuration.groundingThreads = 1
        configure(&configuration)
        return EvidentService(retriever: try #require(retriever), name: "demo", configuration: configuration)
    }
}

extension ServerConfiguration {
    /// The defaults with a time limit of ten minutes, for tests that check answers rather than the limit. The
    /// other suites keep both cores busy while these run, and the grounding lane runs at nice 19, so it gets
    /// a few percent of a core at most: a grounding can take well over the default 10 s and get a 503.
    static var unhurried: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.requestTimeLimit = .seconds(600)
        return configuration
    }
}

/// Lines written through swift-log, kept for the access-log test.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { lines.withLock { $0.append("\(event.level) \(event.message)") } }

    var all: [String] { lines.withLock { $0 } }
}

/// Sends requests to the application in process and checks every response against the OpenAPI document.
struct APIClient {
    let client: any TestClientProtocol
    let validator: OpenAPIValidator

    struct Reply {
        var status: Int
        var contentType: String
        var json: Any?
        var text: String

        var object: [String: Any] { json as? [String: Any] ?? [:] }
        /// The error code of an error body.
        var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String { ((object["error"] as? [String: Any])?["message"] as? String) ?? "" }
    }

    /// Sends `body` (a JSON value, or raw text) to `path`; checks the response against the document when it
    /// describes the route.
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, raw: String? = nil,
        contentType: String? = "application/json", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let text = String(buffer: response.body)
        let reply = Reply(
            status: Int(response.status.code), contentType: response.headers[.contentType] ?? "",
            json: try? JSONSerialization.jsonObject(with: Data(text.utf8)), text: text)
        if reply.contentType.hasPrefix("application/json"), path != "/openapi.json" {
            let schema =
                validator.responseSchema(
                    path: path, method: method.rawValue, status: reply.status)
                ?? (reply.status >= 400 ? ["$ref": "#/components/schemas/Error"] : nil)
            let known = try #require(
                schema, "the OpenAPI document lists no \(reply.status) response for \(method) \(path)",
                sourceLocation: sourceLocation)
            let problems = validator.mismatches(of: reply.json ?? NSNull(), against: known)
            #expect(problems.isEmpty, "\(method) \(path) \(reply.status): \(problems)", sourceLocation: sourceLocation)
        }
        return reply
    }
}

func withAPI(
    _ service: EvidentService, logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
    _ body: @Sendable @escaping (APIClient) async throws -> Void
) async throws {
    let validator = try OpenAPIValidator(json: OpenAPIDocument.json)
    let application = buildApplication(service: service, logger: logger)
    try await application.test(.router) { client in
        try await body(APIClient(client: client, validator: validator))
    }
    service.stop()
}

@Suite(.serialized, .enabled(if: LexicalFixture.retriever != nil, "the demo corpus (Corpus/) is missing"))
struct ServerTests {
    @Test func theOpenAPIDocumentIsServedAndDescribesEveryRoute() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let reply = try await api.send(.get, "/openapi.json")
            #expect(reply.status == 200 && reply.contentType.hasPrefix("application/json"))
            #expect(reply.text == OpenAPIDocument.json)
        }
        let validator = try OpenAPIValidator(json: OpenAPIDocument.json)
        #expect(validator.document["openapi"] as? String == "3.1.0")
        let paths = try #require(validator.document["paths"] as? [String: Any])
        #expect(Set(paths.keys) == ["/health", "/v1/search", "/v1/ask", "/v1/ground"])
        for (path, method) in [("/health", "get"), ("/v1/search", "post"), ("/v1/ask", "post"), ("/v1/ground", "post")]
        {
            #expect(validator.responseSchema(path: path, method: method, status: 200) != nil, "\(path)")
        }
    }

    @Test func healthNamesTheIndexAndItsCounts() async throws {
        let service = try LexicalFixture.service()
        try await withAPI(service) { api in
            let reply = try await api.send(.get, "/health")
            #expect(reply.status == 200)
            #expect(reply.object["index"] as? String == "demo")
            #expect(reply.object["passages"] as? Int == service.index.passageCount)
            #expect(reply.object["model"] is NSNull)
        }
    }

    @Test func thePageIsServedAsHTML() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let reply = try await api.send(.get, "/")
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("text/html"))
            #expect(reply.text.contains("<form"))
            #expect(!reply.text.contains("http://") || !reply.text.contains("<script src"), "no external scripts")
        }
    }

    @Test func searchAnswersAsTheLibraryDoes() async throws {
        let service = try LexicalFixture.service()
        let query = "first-line treatment for unresectable pleural mesothelioma"
        let expected = try #require(LexicalFixture.retriever).search(query, limit: 3)
        try await withAPI(service) { api in
            let reply = try await api.send(.post, "/v1/search", json: ["query": query, "limit": 3])
            #expect(reply.status == 200)
            let results = try #require(reply.object["results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect(results.map { $0["document"] as? String } == expected.map(\.citation.document))
            #expect(results.map { $0["start"] as? Int } == expected.map(\.citation.start))
            #expect(reply.object["mode"] as? String == "lexical")
        }
    }

    @Test func concurrentSearchesGetTheSameAnswersAsOneAtATime() async throws {
        let queries = [
            "CAR T cells", "pleural mesothelioma surgery", "nivolumab ipilimumab", "side effects of chemotherapy",
            "clinical trials", "radiation therapy", "cytokine release syndrome", "asbestos exposure",
        ]
        try await withAPI(try LexicalFixture.service()) { api in
            var sequential: [String: String] = [:]
            for query in queries {
                sequential[query] = try await api.send(.post, "/v1/search", json: ["query": query]).text
            }
            let concurrent = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for round in 0..<4 {
                    for query in queries {
                        group.addTask {
                            _ = round
                            return (query, try await api.send(.post, "/v1/search", json: ["query": query]).text)
                        }
                    }
                }
                var replies: [(String, String)] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            #expect(concurrent.count == 32)
            for (query, text) in concurrent { #expect(text == sequential[query], "\(query)") }
        }
    }

    @Test(
        "bad search requests get a 4xx with a JSON error that says what is wrong",
        arguments: [
            (#"{"query": "x""#, 400, "invalid_json"),
            (#"["mesothelioma"]"#, 400, "invalid_json"),
            (#"{}"#, 400, "missing_field"),
            (#"{"query": 42}"#, 400, "wrong_type"),
            (#"{"query": "x", "limt": 5}"#, 400, "unknown_field"),
            (#"{"query": "x", "limit": 0}"#, 422, "limit_out_of_range"),
            (#"{"query": "x", "limit": 101}"#, 422, "limit_out_of_range"),
            (#"{"query": "x", "limit": 2.5}"#, 400, "wrong_type"),
            (#"{"query": "x", "mode": "fuzzy"}"#, 422, "invalid_mode"),
            (#"{"query": "x", "mode": "dense"}"#, 422, "mode_unavailable"),
            (#"{"query": "   "}"#, 422, "empty_field"),
        ])
    func badSearchRequests(body: String, status: Int, code: String) async throws {
        try await expectError(from: "/v1/search", body: body, status: status, code: code)
    }

    /// Posts `body` to `route` on the lexical demo server and checks the JSON error: status, code and a message.
    private func expectError(
        from route: String, body: String, status: Int, code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let reply = try await api.send(.post, route, raw: body)
            #expect(reply.status == status, "\(body): \(reply.text)", sourceLocation: sourceLocation)
            #expect(reply.errorCode == code, "\(body): \(reply.text)", sourceLocation: sourceLocation)
            #expect(!reply.errorMessage.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func aBodyThatIsNotJSONByItsContentTypeGets415() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            for contentType in [nil, "text/plain", "application/x-www-form-urlencoded"] {
                let reply = try await api.send(.post, "/v1/search", raw: #"{"query": "x"}"#, contentType: contentType)
                #expect(reply.status == 415, "\(contentType ?? "none")")
                #expect(reply.errorCode == "unsupported_media_type")
                #expect(reply.errorMessage.contains("Content-Type: application/json"))
            }
            let charset = try await api.send(
                .post, "/v1/search", raw: #"{"query": "CAR T"}"#, contentType: "application/json; charset=utf-8")
            #expect(charset.status == 200)
        }
    }

    @Test func oversizedBodiesTextsAndClaimListsGet413() async throws {
        let service = try LexicalFixture.service {
            $0.maxBodyBytes = 4096
            $0.maxAnswerCharacters = 500
            $0.maxClaims = 3
            $0.maxQueryCharacters = 100
        }
        try await withAPI(service) { api in
            let huge = try await api.send(.post, "/v1/search", json: ["query": String(repeating: "word ", count: 2000)])
            #expect(huge.status == 413 && huge.errorCode == "body_too_large")
            let longQuery = try await api.send(.post, "/v1/search", json: ["query": String(repeating: "a", count: 101)])
            #expect(longQuery.status == 413 && longQuery.errorCode == "query_too_long")
            let longAnswer = try await api.send(
                .post, "/v1/ground", json: ["answer": String(repeating: "CAR T cells work. ", count: 40)])
            #expect(longAnswer.status == 413 && longAnswer.errorCode == "answer_too_long")
            #expect(longAnswer.errorMessage.contains("500"))
            let manyClaims = try await api.send(.post, "/v1/ground", json: ["claims": ["a b", "c d", "e f", "g h"]])
            #expect(manyClaims.status == 413 && manyClaims.errorCode == "too_many_claims")
        }
    }

    @Test func askQuotesTheCorpusAndChecksItsSentenceCount() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let reply = try await api.send(
                .post, "/v1/ask", json: ["question": "How are CAR T cells made?", "sentences": 3])
            #expect(reply.status == 200)
            let sentences = try #require(reply.object["sentences"] as? [[String: Any]])
            #expect((1...3).contains(sentences.count))
            let bad = try await api.send(.post, "/v1/ask", json: ["question": "CAR T", "sentences": 7])
            #expect(bad.status == 422 && bad.errorCode == "sentences_out_of_range")
            let missing = try await api.send(.post, "/v1/ask", json: ["query": "CAR T"])
            #expect(missing.status == 400 && missing.errorCode == "unknown_field")
        }
    }

    @Test func groundTakesAnAnswerOrAListOfClaims() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let answer = "CAR T cells are made from a patient's own T cells.\n\nCall your doctor if you have a fever."
            let grounded = try await api.send(.post, "/v1/ground", json: ["answer": answer])
            #expect(grounded.status == 200)
            let claims = try #require(grounded.object["claims"] as? [[String: Any]])
            #expect(claims.map { $0["kind"] as? String } == ["claim", "not-a-claim"])

            let listed = try await api.send(
                .post, "/v1/ground",
                json: [
                    "claims": [
                        ["id": "c1", "text": "CAR T cells are infused back."],
                        ["id": 7, "text": "Asbestos causes mesothelioma."], "Surgery removes tumors.",
                    ]
                ])
            #expect(listed.status == 200)
            let listedClaims = try #require(listed.object["claims"] as? [[String: Any]])
            #expect(listedClaims.map { $0["id"] as? String } == ["c1", "7", nil])
        }
    }

    @Test(
        "bad ground requests say what is wrong",
        arguments: [
            (#"{"answer": "x", "claims": ["y"]}"#, 400, "conflicting_fields"),
            (#"{}"#, 400, "missing_field"),
            (#"{"claims": []}"#, 422, "empty_field"),
            (#"{"claims": "one claim"}"#, 400, "wrong_type"),
            (#"{"claims": ["fine", 3]}"#, 400, "wrong_type"),
            (#"{"claims": [{"id": "c1"}]}"#, 400, "wrong_type"),
            (#"{"claims": [{"text": "x", "source": "y"}]}"#, 400, "unknown_field"),
            (#"{"claims": ["  "]}"#, 422, "empty_field"),
            (#"{"answer": ""}"#, 422, "empty_field"),
        ])
    func badGroundRequests(body: String, status: Int, code: String) async throws {
        try await expectError(from: "/v1/ground", body: body, status: status, code: code)
    }

    @Test func unknownRoutesAndMethodsGetJSONErrorsThatListTheRoutes() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let missing = try await api.send(.get, "/v2/search")
            #expect(missing.status == 404 && missing.errorCode == "not_found")
            #expect(missing.errorMessage.contains("POST /v1/search"))
            let wrongMethod = try await api.send(.get, "/v1/ground")
            #expect([404, 405].contains(wrongMethod.status))
            #expect(wrongMethod.errorMessage.contains("POST /v1/ground"))
        }
    }

    @Test func aRequestOverTheTimeLimitGets503AndTheServerGoesOn() async throws {
        let service = try LexicalFixture.service { $0.requestTimeLimit = .milliseconds(1) }
        try await withAPI(service) { api in
            let answer = Array(repeating: "CAR T cells are made from a patient's own T cells.", count: 60)
                .joined(separator: "\n\n")
            let reply = try await api.send(.post, "/v1/ground", json: ["answer": answer])
            #expect(reply.status == 503 && reply.errorCode == "time_limit")
            #expect(reply.errorMessage.contains("limit"))
        }
    }

    @Test func everyRequestWritesOneAccessLogLineWithItsLatency() async throws {
        let log = CapturedLog()
        let logger = Logger(label: "access", factory: { _ in log })
        try await withAPI(try LexicalFixture.service(), logger: logger) { api in
            _ = try await api.send(.post, "/v1/search", json: ["query": "CAR T"])
            _ = try await api.send(.post, "/v1/search", json: ["query": "x", "limit": 0])
            _ = try await api.send(.get, "/health")
        }
        let lines = log.all.filter { $0.hasPrefix("info") }
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.range(of: #"POST /v1/search 200 \d+\.\d ms"#, options: .regularExpression) != nil })
        #expect(lines.contains { $0.contains("POST /v1/search 422") })
        #expect(lines.contains { $0.contains("GET /health 200") })
    }
}
