import Evident
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds the HTTP application over `service`: the JSON API, its OpenAPI description and the web page.
///
/// - Parameters:
///   - service: The loaded index and its workers.
///   - logger: Where the access log and errors go.
///   - onServerRunning: Called with the bound port once the server listens (port 0 picks a free one).
/// - Returns: The application; `runService()` serves until SIGINT or SIGTERM, letting requests in flight finish.
public func buildApplication(
    service: EvidentService, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = service.configuration
    let router = pageRouter(logger: logger) { try JSONResponse.make(service.health) }
    router.post("/v1/search") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: SearchRequest.fields)
        var search = try SearchRequest(body, configuration: configuration)
        search.options.filter = try service.checked(search.options.filter)
        return try JSONResponse.make(
            try await service.search(search.query, limit: search.limit, options: search.options))
    }
    router.post("/v1/ask") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: AskRequest.fields)
        let ask = try AskRequest(body, configuration: configuration)
        let filter = try service.checked(body.filter("filter"))
        return try JSONResponse.make(try await service.ask(ask.question, sentences: ask.sentences, filter: filter))
    }
    router.post("/v1/ground") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: GroundRequest.fields)
        let ground = try GroundRequest(body, configuration: configuration)
        let filter = try service.checked(body.filter("filter"))
        switch ground.input {
        case .answer(let answer):
            return try JSONResponse.make(try await service.ground(answer: answer, filter: filter))
        case .claims(let claims):
            return try JSONResponse.make(try await service.ground(claims: claims, filter: filter))
        }
    }

    // What a router (`evident serve --shards`) asks of the server of one shard.
    router.post("/v1/shard/rankings") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: SearchRequest.fields)
        var search = try SearchRequest(body, configuration: configuration)
        search.options.filter = try service.checked(search.options.filter)
        return try JSONResponse.make(
            try await service.shardRankings(search.query, limit: search.limit, options: search.options))
    }
    router.post("/v1/shard/results") { request, _ in
        let body = try await decodedBody(request, as: ShardResultsRequest.self, limit: configuration.maxBodyBytes)
        return try JSONResponse.make(
            ShardResultsReply(results: try await service.shardResults(body.passages, for: body.query)))
    }
    router.post("/v1/shard/grounding") { request, _ in
        let body = try await decodedBody(request, as: ShardGroundingRequest.self, limit: configuration.maxBodyBytes)
        let passages = try body.passages.map { pairs in
            try pairs.map { pair -> (passage: Int, rank: Int) in
                guard pair.count == 2 else {
                    throw APIError.badRequest("wrong_type", "each passage is a [passage, rank] pair; got \(pair)")
                }
                return (pair[0], pair[1])
            }
        }
        return try JSONResponse.make(
            ShardGroundingReply(
                candidates: try await service.shardCandidates(for: body.statements, passages: passages)))
    }
    router.post("/v1/shard/answer") { request, _ in
        let body = try await decodedBody(request, as: ShardAnswerRequest.self, limit: configuration.maxBodyBytes)
        guard (1...20).contains(body.sentences) else {
            throw APIError.unprocessable("sentences_out_of_range", "sentences must lie in 1...20")
        }
        let passages = try body.passages.map { triple -> (passage: Int, place: Int, rank: Int) in
            guard triple.count == 3 else {
                throw APIError.badRequest(
                    "wrong_type", "each passage is a [passage, place, rank] triple; got \(triple)")
            }
            return (triple[0], triple[1], triple[2])
        }
        return try JSONResponse.make(
            ShardAnswerReply(
                candidates: try await service.shardAnswerCandidates(
                    for: body.question, sentences: body.sentences, passages: passages)))
    }

    router.get("/v1/page") { request, _ in
        let parameters = request.uri.queryParameters
        guard let document = parameters["document"].map(String.init), !document.isEmpty else {
            throw APIError.badRequest(
                "missing_field", "give ?document=ID&page=N (the citation's document and physical_page)")
        }
        guard let page = parameters["page"].flatMap({ Int($0) }), page >= 1 else {
            throw APIError.badRequest("invalid_page", "page must be a physical page number, from 1")
        }
        var range: Range<Int>?
        if let start = parameters["start"].flatMap({ Int($0) }), let end = parameters["end"].flatMap({ Int($0) }) {
            guard start >= 0, start <= end else {
                throw APIError.badRequest("invalid_range", "start and end must satisfy 0 <= start <= end")
            }
            range = start..<end
        }
        let image = try await service.pageImage(document: document, page: page, highlighting: range)
        return Response(
            status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=3600"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: image)))
    }

    return application(router, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
}

/// Builds the HTTP application of a router over the servers of a sharded index's shards: the API of
/// `buildApplication` (the page, `/health`, `/openapi.json`, search and grounding), each answer merged from every
/// shard's (`ShardRouter`) and saying whether a shard was missing from it.
///
/// - Parameters:
///   - shardRouter: The connected router.
///   - name: A name for the cluster, for `/health`.
///   - configuration: Where to listen and what to accept.
///   - logger: Where the access log and errors go.
///   - onServerRunning: Called with the bound port once the server listens.
/// - Returns: The application; `runService()` serves until SIGINT or SIGTERM.
public func buildRouterApplication(
    router shardRouter: ShardRouter, name: String, configuration: ServerConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = pageRouter(logger: logger) { try JSONResponse.make(await shardRouter.health(name: name)) }
    router.post("/v1/search") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: SearchRequest.fields)
        return try JSONResponse.make(
            try await shardRouter.search(try SearchRequest(body, configuration: configuration)))
    }
    router.post("/v1/ask") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: AskRequest.fields)
        let ask = try AskRequest(body, configuration: configuration)
        _ = try body.filter("filter")  // checked here for its shape; the shards check its keys
        return try JSONResponse.make(
            try await shardRouter.ask(ask.question, sentences: ask.sentences, filter: body.raw("filter")))
    }
    router.post("/v1/ground") { request, _ in
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, known: GroundRequest.fields)
        let ground = try GroundRequest(body, configuration: configuration)
        _ = try body.filter("filter")  // checked here for its shape; the shards check its keys
        let plan =
            switch ground.input {
            case .answer(let answer): shardRouter.judge.plan(answer: answer)
            case .claims(let claims): shardRouter.judge.plan(claims: claims)
            }
        return try JSONResponse.make(try await shardRouter.ground(plan, filter: body.raw("filter")))
    }
    router.get("/v1/page") { request, _ in
        let parameters = request.uri.queryParameters
        guard let document = parameters["document"].map(String.init), !document.isEmpty else {
            throw APIError.badRequest(
                "missing_field", "give ?document=ID&page=N (the citation's document and physical_page)")
        }
        let image = try await shardRouter.pageImage(query: request.uri.query ?? "", document: document)
        var headers: HTTPFields = [.cacheControl: "private, max-age=3600"]
        headers[.contentType] = image.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: image.bytes))
    }
    return application(router, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
}

/// A router with the middleware and the routes a single server and a router share: the access log, JSON error
/// bodies, the page, `/health` (answered by `health`) and the OpenAPI description.
private func pageRouter(
    logger: Logger, health: @escaping @Sendable () async throws -> Response
) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: AccessLogMiddleware(logger: logger))
    router.add(middleware: ErrorBodyMiddleware(logger: logger))
    router.get("/") { _, _ in
        // The page needs nothing but itself and this server's API; the policy says so to the browser.
        Response(status: .ok, headers: pageHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: WebPage.html)))
    }
    router.get("/health") { _, _ in try await health() }
    router.get("/openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
    return router
}

/// The application serving `router` where `configuration` says, closing idle connections after its idle timeout.
private func application(
    _ router: Router<BasicRequestContext>, configuration: ServerConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void
) -> some ApplicationProtocol {
    Application(
        router: router,
        server: .http1(configuration: HTTP1Channel.Configuration(idleTimeout: timeAmount(configuration.idleTimeout))),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "Evident/\(evidentVersion)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The fields of `POST /v1/ask`, the filter apart.
struct AskRequest {
    static let fields = ["question", "sentences", "filter"]

    var question: String
    var sentences: Int

    /// Reads and checks the fields of `body`.
    init(_ body: JSONBody, configuration: ServerConfiguration) throws {
        question = try body.requiredString("question", maxCharacters: configuration.maxQueryCharacters)
        sentences = try body.integer("sentences", default: 5, range: 3...6)
    }
}

/// The fields of a search request: `POST /v1/search`, and a shard's rankings route, to which a router passes them.
struct SearchRequest: Sendable {
    static let fields = ["query", "limit", "mode", "exact", "probes", "filter"]

    var query: String
    var limit: Int
    /// Mode, exact or approximate search, breadth and the filter (its shape checked, not yet its keys).
    var options: SearchOptions
    /// The filter as sent, which a router passes on to its shards.
    var filter: JSONValue?

    init(query: String, limit: Int, options: SearchOptions, filter: JSONValue?) {
        self.query = query
        self.limit = limit
        self.options = options
        self.filter = filter
    }

    /// Reads and checks the fields of `body`.
    init(_ body: JSONBody, configuration: ServerConfiguration) throws {
        query = try body.requiredString("query", maxCharacters: configuration.maxQueryCharacters)
        limit = try body.integer("limit", default: 10, range: 1...100)
        options = SearchOptions(mode: try body.choice("mode", as: SearchMode.self))
        options.exact = try body.boolean("exact", default: false)
        if body.has("probes") { options.probes = try body.integer("probes", default: 0, range: 1...1_000_000) }
        options.filter = try body.filter("filter")
        filter = body.raw("filter")
    }

    /// The request as a shard's rankings route takes it.
    var body: Forwarded {
        Forwarded(
            query: query, limit: limit, mode: options.mode?.rawValue, exact: options.exact, probes: options.probes,
            filter: filter)
    }

    struct Forwarded: Encodable, Sendable {
        var query: String
        var limit: Int
        var mode: String?
        var exact: Bool
        var probes: Int?
        var filter: JSONValue?
    }
}

/// The fields of `POST /v1/ground`: an answer, or claims.
struct GroundRequest {
    static let fields = ["answer", "claims", "filter"]

    enum Input {
        case answer(String)
        case claims([(id: String?, text: String)])
    }

    var input: Input

    /// Reads and checks the fields of `body` (the filter apart).
    init(_ body: JSONBody, configuration: ServerConfiguration) throws {
        switch (body.has("answer"), body.has("claims")) {
        case (true, true):
            throw APIError.badRequest("conflicting_fields", "give either \"answer\" or \"claims\", not both")
        case (false, false):
            throw APIError.badRequest(
                "missing_field",
                "give \"answer\" (the answer's text) or \"claims\" (an array of {\"id\", \"text\"} or strings)")
        case (true, false):
            input = .answer(try body.requiredString("answer", maxCharacters: configuration.maxAnswerCharacters))
        case (false, true):
            input = .claims(try groundingClaims(body.array("claims") ?? [], configuration: configuration))
        }
    }
}

/// The body of `request` decoded as `type`: the routes a router calls, whose bodies a router writes.
private func decodedBody<Body: Decodable>(_ request: Request, as type: Body.Type, limit: Int) async throws -> Body {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: limit)
    } catch is NIOTooManyBytesError {
        throw APIError.tooLarge("body_too_large", "the request body is over the limit of \(limit) bytes")
    }
    do {
        return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    } catch {
        throw APIError.badRequest("invalid_json", "the request body is not what this route takes: \(error)")
    }
}

/// Why the server could not start listening, when `error` says so: the address in use, or
/// one this machine does not have. `nil` for any other error.
///
/// - Parameters:
///   - error: What `runService()` threw.
///   - configuration: The address the server was to listen on.
/// - Returns: The failure, or `nil` when `error` is not about listening.
public func listeningFailure(_ error: any Error, configuration: ServerConfiguration) -> ListeningFailure? {
    guard let error = error as? IOError else { return nil }
    switch error.errnoCode {
    case EADDRINUSE: return .addressInUse(host: configuration.host, port: configuration.port)
    case EADDRNOTAVAIL: return .addressNotAvailable(host: configuration.host)
    case EACCES: return .permissionDenied(host: configuration.host, port: configuration.port)
    default: return nil
    }
}

/// Why a server could not listen.
public enum ListeningFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another program listens on the port already.
    case addressInUse(host: String, port: Int)
    /// The address is not one of this machine's.
    case addressNotAvailable(host: String)
    /// The port is below 1024 and the process may not bind it.
    case permissionDenied(host: String, port: Int)

    public var description: String {
        switch self {
        case .addressInUse(let host, let port): "\(host):\(port) is in use by another program"
        case .addressNotAvailable(let host): "\(host) is not an address of this machine"
        case .permissionDenied(let host, let port): "\(host):\(port) may not be bound by this user"
        }
    }
}

/// The headers of the page: HTML, revalidated on each load, and a policy that lets it reach nothing but itself
/// and this server.
private let pageHeaders: HTTPFields = {
    var fields: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"]
    let others = [
        ("Content-Security-Policy", WebPage.contentSecurityPolicy), ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    for (name, value) in others {
        if let name = HTTPField.Name(name) { fields[name] = value }
    }
    return fields
}()

/// The claims of a `POST /v1/ground` body: strings, or objects with a "text" and an optional "id".
private func groundingClaims(_ items: [JSONValue], configuration: ServerConfiguration) throws
    -> [(id: String?, text: String)]
{
    guard !items.isEmpty else {
        throw APIError.unprocessable("empty_field", "\"claims\" is empty; give at least one claim")
    }
    guard items.count <= configuration.maxClaims else {
        throw APIError.tooLarge(
            "too_many_claims", "\(items.count) claims in one request; the limit is \(configuration.maxClaims)")
    }
    return try items.enumerated().map { position, item in
        let text: String
        var id: String?
        switch item {
        case .string(let value):
            text = value
        case .object(let fields):
            guard case .string(let value)? = fields["text"] else {
                throw APIError.badRequest(
                    "wrong_type", "claims[\(position)] needs a string \"text\", as {\"id\": \"c1\", \"text\": \"…\"}")
            }
            text = value
            switch fields["id"] {
            case .string(let value)?: id = value
            case .number(let value)?: id = value.rounded() == value ? String(Int(value)) : String(value)
            case nil, .null?: id = nil
            case let other?:
                throw APIError.badRequest(
                    "wrong_type", "claims[\(position)].id must be a string or a number; got \(other.kindDescription)")
            }
            if let unknown = fields.keys.sorted().first(where: { $0 != "id" && $0 != "text" }) {
                throw APIError.badRequest(
                    "unknown_field",
                    "claims[\(position)] has an unknown field \"\(unknown)\"; a claim has \"id\" and \"text\"")
            }
        default:
            throw APIError.badRequest(
                "wrong_type", "claims[\(position)] must be a string or an object; got \(item.kindDescription)")
        }
        let trimmed = try JSONBody.checkedText(
            text, named: "claims[\(position)]", tooLongCode: "claim_too_long",
            maxCharacters: configuration.maxQueryCharacters)
        return (id, trimmed)
    }
}
