import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Writes one line per request: method, path, status and latency in milliseconds.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            logger.info(
                "\(request.method) \(request.uri.path) \(status) \(String(format: "%.1f", milliseconds)) ms")
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}

/// Turns every error into a JSON error body: `APIError` as it is, Hummingbird's own (an unknown route, a wrong
/// method) with a message that lists the routes, anything else into a 500 that is logged.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let routes = "GET /, GET /health, GET /openapi.json, POST /v1/search, POST /v1/ask, POST /v1/ground"
            let apiError: APIError
            switch error.status {
            case .notFound:
                apiError = APIError(
                    .notFound, code: "not_found",
                    "no route for \(request.method) \(request.uri.path); the API has \(routes)")
            case .methodNotAllowed:
                apiError = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    "\(request.uri.path) does not take \(request.method); the API has \(routes)")
            case .contentTooLarge:
                apiError = APIError.tooLarge("body_too_large", "the request body is too large")
            default:
                apiError = APIError(error.status, code: "http_error", (error as? HTTPError)?.body ?? "\(error.status)")
            }
            return try apiError.response(from: request, context: context)
        } catch {
            logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return try APIError(.internalServerError, code: "internal", "the server failed to answer: \(error)")
                .response(from: request, context: context)
        }
    }
}
