import HTTPTypes
import Hummingbird

/// CORS with an allow-list of exact origins from the settings. Hummingbird's own CORS
/// middleware either allows one fixed origin or echoes any origin; neither is an allow-list.
///
/// - A preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin answers
///   204 with the methods of that path; from any other origin, 403 (ErrorResponse).
/// - Other requests from an allowed origin get Access-Control-Allow-Origin (the origin itself,
///   with Vary: Origin) and, unless the list is `*`, Allow-Credentials. `*` is never sent
///   together with credentials. Requests from other origins are answered without CORS
///   headers, so a browser withholds the response from the page.
struct CORSAllowListMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let origins: Set<String>
    let routes: RouteTable
    let maxAge = 600

    static let allowedHeaders = "Authorization, Content-Type, If-Match, X-Request-ID"
    static let exposedHeaders = "X-Request-ID, Retry-After, ETag, Location"

    var allowsAny: Bool { origins.contains("*") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowsAny || origins.contains(origin)

        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                return ErrorMiddleware.response(
                    for: .forbidden("origin \(origin) is not allowed to call this API (see OPTCTL_CORS_ORIGINS)"),
                    requestID: context.requestID)
            }
            let methods = routes.methods(for: request.uri.path)
            guard !methods.isEmpty else {
                return ErrorMiddleware.response(for: .notFound("no endpoint \(request.uri.path)"), requestID: context.requestID)
            }
            var response = Response(status: .noContent)
            apply(origin: origin, to: &response.headers)
            response.headers[.accessControlAllowMethods] = methods.map(\.rawValue).joined(separator: ", ")
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = String(maxAge)
            return response
        }

        var response = try await next(request, context)
        if allowed {
            apply(origin: origin, to: &response.headers)
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        return response
    }

    private func apply(origin: String, to headers: inout HTTPFields) {
        if allowsAny {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowCredentials] = "true"
            headers.append(HTTPField(name: .vary, value: "Origin"))
        }
    }
}
