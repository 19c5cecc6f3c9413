import Evident
import Foundation
import HTTPTypes
public import Hummingbird

/// An error the API answers with: an HTTP status and a JSON body that says what is wrong and how to fix it,
/// `{"error": {"status": 422, "code": "limit_out_of_range", "message": "…"}}`.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable machine-readable code, such as `invalid_json` or `missing_field`.
    public let code: String
    /// A sentence for people.
    public let message: String

    /// Creates an error response.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body.
    struct Body: Codable, Sendable {
        struct Detail: Codable, Sendable {
            var status: Int
            var code: String
            var message: String
        }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(Body(error: .init(status: status.code, code: code, message: message)), status: status)
    }

    // MARK: Common errors

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message) }
    static func unprocessable(_ code: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: code, message)
    }
    static func tooLarge(_ code: String, _ message: String) -> APIError {
        APIError(.contentTooLarge, code: code, message)
    }

    /// What a client (or the server's operator) can do about a search the engine cannot run, in the API's terms.
    static func advice(for error: RetrievalError) -> String {
        switch error {
        case .modeNeedsModel(_, nil): "send \"mode\": \"lexical\": this index has no vectors"
        case .modeNeedsModel(_, let model?):
            "send \"mode\": \"lexical\", or ask the server's operator to start it with the model \(model)"
        case .indexHasNoVectors, .modelMismatch:
            "ask the server's operator to start it with the model the index was built with"
        }
    }
}

/// JSON responses written as the CLI's `--json` writes them (sorted keys, slashes unescaped).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
