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
        #expect(Set(paths.keys) == ["/health", "/v1/search", "/v1/ask", "/v1/ground", "/v1/page"])
        // The page image's 200 is a PNG, not JSON.
        let page = (paths["/v1/page"] as? [String: Any])?["get"] as? [String: Any]
        let pageOK = (page?["responses"] as? [String: Any])?["200"] as? [String: Any]
        #expect((pageOK?["content"] as? [String: Any])?["image/png"] != nil)
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
            (#"{"query": "x", "exact": "yes"}"#, 400, "wrong_type"),
            (#"{"query": "x", "probes": 0}"#, 422, "probes_out_of_range"),
            (#"{"query": "x", "probes": "all"}"#, 400, "wrong_type"),
            (#"{"query": "x", "filter": "year>=2020"}"#, 400, "wrong_type"),
            (#"{"query": "x", "filter": {"year": {"~": 2020}}}"#, 400, "invalid_filter"),
            (#"{"query": "x", "filter": {"year": {">=": [2019, 2020]}}}"#, 400, "invalid_filter"),
            (#"{"query": "x", "filter": {"year": []}}"#, 400, "invalid_filter"),
            (#"{"query": "x", "filter": {"year": true}}"#, 400, "invalid_filter"),
            (#"{"query": "x", "filter": {"colour": "red"}}"#, 422, "invalid_filter"),
            (#"{"query": "x", "filter": {"journal": {">": "A"}}}"#, 422, "invalid_filter"),
            (#"{"query": "x", "filter": {"year": {">=": "soon"}}}"#, 422, "invalid_filter"),
        ])
    func badSearchRequests(body: String, status: Int, code: String) async throws {
        try await expectError(from: "/v1/search", body: body, status: status, code: code)
    }

    @Test func filtersKeepSearchAskAndGroundingToTheDocumentsTheyName() async throws {
        let service = try LexicalFixture.service()
        let index = try #require(LexicalFixture.retriever).index
        let kept = try index.fields.documents(matching: MetadataFilter(parsing: ["format=pubmed"]))
        let pubmed = Set((0..<index.documentCount).filter { kept.contains($0) }.map { index.documentHeader(at: $0).id })
        #expect(pubmed.count == 3)
        let validator = try OpenAPIValidator(json: OpenAPIDocument.json)
        try await withAPI(service) { api in
            let filter: [String: Any] = ["format": "pubmed", "year": [">=": 2019, "<": "2030"]]
            let request: [String: Any] = ["query": "nivolumab ipilimumab survival", "limit": 5, "filter": filter]
            // The request is what the document describes.
            let requestSchema: [String: Any] = ["$ref": "#/components/schemas/SearchRequest"]
            #expect(validator.mismatches(of: request, against: requestSchema).isEmpty)
            #expect(
                !validator.mismatches(of: ["query": "x", "filter": ["year": ["~": 1]]], against: requestSchema).isEmpty)
            let reply = try await api.send(.post, "/v1/search", json: request)
            #expect(reply.status == 200, "\(reply.text)")
            let documents = (reply.object["results"] as? [[String: Any]] ?? []).compactMap { $0["document"] as? String }
            #expect(!documents.isEmpty && documents.allSatisfy(pubmed.contains), "\(documents)")
            // Nothing but Markdown: none of the PubMed records.
            let markdown = try await api.send(
                .post, "/v1/search",
                json: ["query": "nivolumab ipilimumab survival", "filter": ["format": ["markdown"]]])
            let markdownDocuments = (markdown.object["results"] as? [[String: Any]] ?? []).compactMap {
                $0["document"] as? String
            }
            #expect(!markdownDocuments.isEmpty && !markdownDocuments.contains(where: pubmed.contains))
            let answer = try await api.send(
                .post, "/v1/ask", json: ["question": "How long did patients live on nivolumab?", "filter": filter])
            #expect(answer.status == 200, "\(answer.text)")
            let references = (answer.object["references"] as? [[String: Any]] ?? []).compactMap {
                $0["document"] as? String
            }
            #expect(!references.isEmpty && references.allSatisfy(pubmed.contains), "\(references)")
            let grounded = try await api.send(
                .post, "/v1/ground",
                json: [
                    "answer": "Nivolumab plus ipilimumab extended overall survival.", "filter": ["format": "pubmed"],
                ])
            #expect(grounded.status == 200, "\(grounded.text)")
            let cited = ((grounded.object["claims"] as? [[String: Any]]) ?? []).flatMap {
                ($0["citations"] as? [[String: Any]]) ?? []
            }.compactMap { $0["document"] as? String }
            #expect(!cited.isEmpty && cited.allSatisfy(pubmed.contains), "\(grounded.text)")
            let bad = try await api.send(.post, "/v1/ask", json: ["question": "x", "filter": ["colour": "red"]])
            #expect(bad.status == 422 && bad.errorMessage.contains("its keys are"), "\(bad.text)")
        }
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

    @Test func aModeTheIndexCannotRunIsExplainedInTheAPIsTerms() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let reply = try await api.send(.post, "/v1/search", json: ["query": "CAR T", "mode": "dense"])
            #expect(reply.status == 422 && reply.errorCode == "mode_unavailable")
            #expect(reply.errorMessage.contains(#""mode": "lexical""#), "\(reply.errorMessage)")
            #expect(!reply.errorMessage.contains("--"), "no command-line flag: \(reply.errorMessage)")
        }
    }

    @Test func aBodyThatIsNotUTF8IsNamedSoWithoutSwiftsWords() async throws {
        try await withAPI(try LexicalFixture.service()) { api in
            let bytes = Array(#"{"query": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8)
            let reply = try await api.send(.post, "/v1/search", bytes: bytes)
            #expect(reply.status == 400 && reply.errorCode == "invalid_json")
            #expect(reply.errorMessage.contains("not valid UTF-8 (at byte offset 14)"), "\(reply.errorMessage)")
            #expect(!reply.errorMessage.contains("DecodingError"))
        }
    }

}
