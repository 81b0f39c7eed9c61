import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OptKit

/// Turns every error thrown below it into the seed's ErrorResponse with the status of
/// contracts.md, and tells 405 from 404: when no route matched, a path that exists with other
/// methods answers 405 with an Allow header.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var mapped = ErrorMapper.map(error)
            if mapped.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
                let path = request.uri.path
                let allowed = routes.methods(for: path)
                if allowed.isEmpty {
                    mapped = .notFound("no endpoint \(path); GET /openapi.json lists every endpoint")
                } else {
                    context.coreContext.endpointPath.value = routes.template(for: path)
                    mapped = .methodNotAllowed(request.method, path: routes.template(for: path) ?? path, allowed: allowed)
                }
            }
            if mapped.status.code >= 500 {
                logger.error("request failed: \(String(reflecting: error))", metadata: [
                    "request_id": .string(context.requestID), "route": .string(context.endpointPath ?? "NotFound"),
                ])
            }
            return Self.response(for: mapped, requestID: context.requestID)
        }
    }

    static func response(for error: APIError, requestID: String) -> Response {
        let body = ErrorResponse(
            error: error.code, message: error.message, details: error.details, timestamp: Timestamp.now(), requestID: requestID)
        let data = (try? JSONCoding.encoder().encode(body)) ?? Data("{}".utf8)
        return JSONResponse.make(bytes: data, status: error.status, headers: error.headers)
    }
}
