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

/// A server over the demo corpus indexed without a model (`LexicalFixture`).
extension LexicalFixture {
    static func service(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> EvidentService {
        var configuration = ServerConfiguration.unhurried
        configuration.searchThreads = 2
        configuration.groundingThreads = 1
        configure(&configuration)
        return EvidentService(retriever: try #require(retriever), name: "demo", configuration: configuration)
    }
}

extension ServerConfiguration {
    /// The defaults with a time limit of ten minutes, for tests that check answers rather than the limit: the other
    /// suites keep both cores busy while these run, so a grounding can take longer than the default 10 s.
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
        /// The body's bytes, for bodies that are not text (a page's PNG).
        var bytes: [UInt8] = []

        var object: [String: Any] { json as? [String: Any] ?? [:] }
        /// The error code of an error body.
        var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String { ((object["error"] as? [String: Any])?["message"] as? String) ?? "" }
    }

    /// Sends `body` (a JSON value, or raw text) to `path`; checks the response against the document when it
    /// describes the route.
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, raw: String? = nil, bytes: [UInt8]? = nil,
        contentType: String? = "application/json", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
        } else if let raw {
            body = ByteBuffer(string: raw)
        } else if let bytes {
            body = ByteBuffer(bytes: bytes)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let text = String(buffer: response.body)
        let reply = Reply(
            status: Int(response.status.code), contentType: response.headers[.contentType] ?? "",
            json: try? JSONSerialization.jsonObject(with: Data(text.utf8)), text: text,
            bytes: response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? [])
        if reply.contentType.hasPrefix("application/json"), path != "/openapi.json" {
            let schema =
                validator.responseSchema(
                    path: String(path.prefix { $0 != "?" }), method: method.rawValue, status: reply.status)
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
