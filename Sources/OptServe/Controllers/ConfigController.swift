import Foundation
import HTTPTypes
import Hummingbird
import OptKit

/// /config/optimization-criteria: read by everyone signed in, replaced by admins. The version
/// is also sent as an ETag; a PUT with If-Match (or a `version` in the body) is conditional:
/// stale -> 412 (If-Match) or 409 (body). Without either, the last writer wins.
struct ConfigController {
    let platform: Platform
    let settings: ServerSettings

    var routes: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("optimization-criteria", use: show)
            .put("optimization-criteria", use: replace)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        let stored = try await TransientRetry.run { try await platform.criteria.current() }
        return try JSONResponse.make(stored, headers: Self.etag(stored.version))
    }

    @Sendable func replace(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try AccessPolicy.require(.admin, context, to: "change the optimization criteria")
        try QueryParameters.rejectAny(request)
        let precondition = try Self.ifMatchVersion(request.headers[.ifMatch])
        let body = try await JSONBody.read(request, limit: settings.maxBodyBytes)
        let document = try CriteriaDocument(json: body)
        do {
            let stored = try await TransientRetry.run { try await platform.putCriteria(document, expectedVersion: precondition) }
            return try JSONResponse.make(stored, headers: Self.etag(stored.version))
        } catch var stale as StaleVersion {
            stale.fromPrecondition = precondition != nil
            throw stale
        }
    }

    static func etag(_ version: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = "\"\(version)\""
        return headers
    }

    /// The version an If-Match header asks for: `"3"`, `W/"3"` or `3`; `*` or no header means
    /// unconditional. Anything else is a 400 naming the header.
    static func ifMatchVersion(_ header: String?) throws(APIError) -> Int? {
        guard var text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text != "*" else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        guard let version = Int(text), version >= 1 else {
            throw APIError.validation([FieldProblem(
                field: "If-Match", value: .string(header ?? ""), message: "must be the criteria version as an ETag, like \"3\"")])
        }
        return version
    }
}
