import Foundation
import HTTPTypes
import OpenAPIKit
import OptKit

/// The OpenAPI 3.1 document served at /openapi.json, built with OpenAPIKit: a typed model of
/// the specification that encodes valid 3.1 JSON and checks a document's internal consistency
/// (`validate()`: every reference resolves, every path parameter is declared, operation ids are
/// unique), which a test runs. The route table behind 405 answers is read from it too, so the
/// document cannot leave out a route the server answers.
enum APIDocument {
    typealias Response = Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response>

    /// `sessionsEnabled`: whether POST /optimization/sessions exists (a runner is configured).
    static func build(settings: ServerSettings, sessionsEnabled: Bool) -> OpenAPI.Document {
        var paths: OpenAPI.PathItem.Map = [
            "/health": .pathItem(OpenAPI.PathItem(get: operation(
                "getHealth", "Liveness and a database check", tag: "operations", public: true,
                description: "200 when the server answers and its database can be read; 503 (ErrorResponse) when the database fails.",
                responses: [200: ok("The server and its database work.", "Health")], errors: [400, 503]))),
            "/metrics": .pathItem(OpenAPI.PathItem(get: operation(
                "getMetrics", "Prometheus metrics", tag: "operations", public: settings.metricsPublic,
                description: "Prometheus text exposition: request counts and latencies by route and status, sessions by status, connected WebSocket clients, the run queue. Public in the dev profile; otherwise an admin's token or OPTCTL_METRICS_TOKEN.",
                responses: [200: .response(OpenAPI.Response(
                    description: "Prometheus text format 0.0.4", headers: requestIDHeader,
                    content: [.txt: .content(OpenAPI.Content(schema: .string))]))],
                errors: settings.metricsPublic ? [400] : [400, 401, 403]))),
            "/openapi.json": .pathItem(OpenAPI.PathItem(get: operation(
                "getOpenAPI", "This document", tag: "documentation", public: true,
                responses: [200: .response(OpenAPI.Response(
                    description: "OpenAPI 3.1", headers: requestIDHeader,
                    content: [.json: .content(OpenAPI.Content(schema: .object(additionalProperties: .a(true))))]))],
                errors: [400]))),
            "/docs": .pathItem(OpenAPI.PathItem(get: operation(
                "getDocs", "This document as a readable page", tag: "documentation", public: true,
                responses: [200: .response(OpenAPI.Response(
                    description: "HTML, self-contained (no scripts, no external resources)", headers: requestIDHeader,
                    content: [.html: .content(OpenAPI.Content(schema: .string))]))],
                errors: [400]))),
            "/auth/token": .pathItem(OpenAPI.PathItem(post: operation(
                "createToken", "Sign in", tag: "auth", public: true,
                description: "Exchanges a user name and password (users are created with `optctl users add`) for an access token (Authorization: Bearer …) and a refresh token.",
                body: json("TokenRequest"),
                responses: [200: ok("Tokens for this user.", "TokenPair")], errors: [400, 401, 413, 415]))),
            "/auth/refresh": .pathItem(OpenAPI.PathItem(post: operation(
                "refreshToken", "Renew tokens", tag: "auth", public: true,
                description: "Exchanges a refresh token for a new pair, with the user's current role. Fails once the user has been removed.",
                body: json("RefreshRequest"),
                responses: [200: ok("New tokens.", "TokenPair")], errors: [400, 401, 413, 415]))),
            "/dashboard/stats": .pathItem(OpenAPI.PathItem(get: operation(
                "getDashboardStats", "Dashboard statistics", tag: "dashboard",
                description: "The seed's DashboardStats, from counters kept current by the store (the same function as `optctl stats`). When one source fails the others are still returned with a `warnings` list. Every role.",
                responses: [200: ok("Platform-wide figures.", "DashboardStats")], errors: [400, 401]))),
            "/optimization/sessions/{id}": .pathItem(OpenAPI.PathItem(
                parameters: [idParameter("The session id.")],
                get: operation(
                    "getSession", "One session", tag: "sessions",
                    description: "The session with its results document. Engineers see only their own sessions (403 otherwise).",
                    responses: [200: ok("The session.", "Session")], errors: [400, 401, 403, 404]))),
            "/optimization/sessions/{id}/cancel": .pathItem(OpenAPI.PathItem(
                parameters: [idParameter("The session id.")],
                post: operation(
                    "cancelSession", "Cancel a session", tag: "sessions",
                    description: "A pending session is cancelled at once (200). A running one is marked; the process running it (this server or an `optctl run` elsewhere) stops it at its next step (202). Admins cancel any session, engineers their own; a finished session is a conflict (409). The body is optional.",
                    body: json("CancelRequest", required: false),
                    responses: [200: ok("Cancelled.", "Session"), 202: ok("Cancellation requested; the session stops at its next step.", "Session")],
                    errors: [400, 401, 403, 404, 409, 413, 415]))),
            "/config/optimization-criteria": .pathItem(OpenAPI.PathItem(
                get: operation(
                    "getOptimizationCriteria", "Current criteria", tag: "config",
                    description: "Never 404: a fresh store has the documented defaults at version 1. The ETag is the version. Every role.",
                    responses: [200: ok("The criteria.", "OptimizationCriteria", etag: true)], errors: [400, 401]),
                put: operation(
                    "putOptimizationCriteria", "Replace the criteria", tag: "config",
                    description: "Admins only. Every problem is reported at once under `details.fields`; values that are valid alone but contradict each other are a conflict (409). `If-Match: \"N\"` or `version: N` makes the write conditional: a stale version is 412 (If-Match) or 409 (body). Without either, the last writer wins.",
                    parameters: [.parameter(OpenAPI.Parameter(
                        name: "If-Match", context: .header(schema: .string),
                        description: "The version last read, as the ETag (\"3\"); `*` or absent: unconditional."))],
                    body: json("OptimizationCriteriaUpdate"),
                    responses: [200: ok("The stored criteria, with the new version.", "OptimizationCriteria", etag: true)],
                    errors: [400, 401, 403, 409, 412, 413, 415]))),
            "/models/{id}": .pathItem(OpenAPI.PathItem(
                parameters: [idParameter("The model id.")],
                get: operation(
                    "getModel", "One model", tag: "models", responses: [200: ok("The model.", "Model")], errors: [400, 401, 404]),
                delete: operation(
                    "deleteModel", "Remove a model", tag: "models",
                    description: "Admins only. Removes the registry entry, and the file when it was uploaded through the API. A model used by a pending or running session is a conflict (409); finished sessions keep its id and name.",
                    responses: [204: .response(OpenAPI.Response(description: "Removed.", headers: requestIDHeader))],
                    errors: [400, 401, 403, 404, 409]))),
        ]
        let list = operation(
            "listSessions", "List sessions", tag: "sessions",
            description: "The seed's list: newest first, filtered and paginated; the same rules as `optctl sessions list`. Engineers see only their own sessions.",
            parameters: listParameters,
            responses: [200: ok("A page of sessions.", "SessionListResponse")], errors: [400, 401])
        let create = operation(
            "createSession", "Start a session", tag: "sessions",
            description: "Creates a pending session and queues it for this server's workers; it runs through the same pipeline as `optctl run`. The criteria are the stored ones with `criteria` overriding some fields for this session; problems are reported like a config PUT (400, or 409 for contradictions). 503 when the run queue is full. Engineers and admins.",
            body: json("SessionCreateRequest"),
            responses: [202: ok("Accepted: the session, pending until a worker takes it.", "Session", location: true)],
            errors: [400, 401, 403, 409, 413, 415, 503])
        paths["/optimization/sessions"] = .pathItem(OpenAPI.PathItem(get: list, post: sessionsEnabled ? create : nil))
        let listModels = operation(
            "listModels", "Registered models", tag: "models", description: "Newest first. Every role.",
            responses: [200: ok("The registry.", "ModelList")], errors: [400, 401])
        let upload = operation(
            "uploadModel", "Upload an ONNX model", tag: "models",
            description: "The request body is the .onnx file's bytes (Content-Type: application/octet-stream), streamed to the server's models folder under the size limit (OPTCTL_MAX_UPLOAD_BYTES), validated as ONNX, then registered. The same bytes uploaded twice are one model (200 the second time). Engineers and admins.",
            parameters: [.parameter(OpenAPI.Parameter(
                name: "name", context: .query(schema: .string(minLength: 1, maxLength: 200)),
                description: "A display name (default: upload-<sha256 prefix>)."))],
            body: OpenAPI.Request(
                content: [OpenAPI.ContentType(rawValue: "application/octet-stream")!: .content(OpenAPI.Content(
                    schema: .string(contentMediaType: OpenAPI.ContentType(rawValue: "application/octet-stream")!)))],
                required: true),
            responses: [201: ok("Registered.", "Model", location: true), 200: ok("Already registered (same sha256).", "Model", location: true)],
            errors: [400, 401, 403, 413, 415])
        paths["/models"] = .pathItem(OpenAPI.PathItem(get: listModels, post: upload))

        return OpenAPI.Document(
            openAPIVersion: .v3_1_1,
            info: OpenAPI.Document.Info(
                title: "optctl",
                description: """
                    The REST API of `optctl serve`: optimization sessions, models, criteria and dashboard \
                    statistics of one optctl home. Authenticate with POST /auth/token and send \
                    `Authorization: Bearer <access_token>`. Every response carries X-Request-ID; every \
                    non-2xx body is an ErrorResponse. Requests are rate limited per user (per IP address \
                    before sign-in): 429 with Retry-After.
                    """,
                version: OptKitVersion.string),
            servers: [],
            paths: paths,
            components: OpenAPI.Components(
                schemas: APISchemas.all,
                responses: errorResponses,
                securitySchemes: ["bearerAuth": .securityScheme(.http(
                    scheme: "bearer", bearerFormat: "JWT", description: "An access token from POST /auth/token."))]),
            security: [[.component(named: "bearerAuth"): []]],
            tags: [
                OpenAPI.Tag(name: "dashboard"), OpenAPI.Tag(name: "sessions"), OpenAPI.Tag(name: "config"),
                OpenAPI.Tag(name: "models"), OpenAPI.Tag(name: "auth"), OpenAPI.Tag(name: "operations"),
                OpenAPI.Tag(name: "documentation"),
            ])
    }

    /// The document as compact JSON, built once at start-up.
    static func encoded(_ document: OpenAPI.Document) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document))
    }

    /// Method and template of every operation, for the route table.
    static func routes(of document: OpenAPI.Document) -> [(method: HTTPRequest.Method, template: String)] {
        var routes: [(HTTPRequest.Method, String)] = []
        for (path, item) in document.paths {
            guard case .b(let pathItem) = item else { continue }
            for endpoint in pathItem.endpoints {
                guard let method = HTTPRequest.Method(endpoint.method.rawValue.uppercased()) else { continue }
                routes.append((method, "/" + path.components.joined(separator: "/")))
            }
        }
        return routes
    }

    // MARK: - Building blocks

    /// A filter given empty (`?status=`, as a form with nothing chosen sends it) counts as
    /// absent (SessionFilter), so the empty string is a documented value of each parameter.
    static func emptyMeansAbsent(_ schema: JSONSchema) -> JSONSchema {
        .any(of: schema, .string(maxLength: 0))
    }

    static var listParameters: OpenAPI.Parameter.Array {
        [
            .parameter(OpenAPI.Parameter(
                name: "status", context: .query(schema: emptyMeansAbsent(APISchemas.ref("SessionStatus"))),
                description: "Only sessions in this status. Every parameter of this operation given empty counts as absent.")),
            .parameter(OpenAPI.Parameter(
                name: "model_id", context: .query(schema: .string(maxLength: 200)), description: "Only sessions of this model.")),
            .parameter(OpenAPI.Parameter(
                name: "start_date", context: .query(schema: .string(description: "2026-11-27 or 2026-11-27T13:00:00Z")),
                description: "Sessions created at or after this date (midnight UTC) or instant (with a zone).")),
            .parameter(OpenAPI.Parameter(
                name: "end_date", context: .query(schema: .string(description: "2026-11-27 or 2026-11-27T13:00:00Z")),
                description: "Sessions created at or before this date or instant; not before start_date.")),
            .parameter(OpenAPI.Parameter(
                name: "skip", context: .query(schema: emptyMeansAbsent(.integer(minimum: (0, exclusive: false), defaultValue: 0))),
                description: "How many sessions to skip (default 0).")),
            .parameter(OpenAPI.Parameter(
                name: "limit",
                context: .query(schema: emptyMeansAbsent(.integer(
                    maximum: (SessionFilter.maximumLimit, exclusive: false), minimum: (1, exclusive: false),
                    defaultValue: AnyCodable(SessionFilter.defaultLimit)))),
                description: "Page size (default 50, at most 100).")),
        ]
    }

    static func idParameter(_ description: String) -> Either<OpenAPI.Reference<OpenAPI.Parameter>, OpenAPI.Parameter> {
        .parameter(OpenAPI.Parameter(name: "id", context: .path(schema: .string), description: description))
    }

    static func operation(
        _ id: String, _ summary: String, tag: String, public isPublic: Bool = false, description: String? = nil,
        parameters: OpenAPI.Parameter.Array = [], body: OpenAPI.Request? = nil,
        responses: OpenAPI.Response.Map, errors: [Int]
    ) -> OpenAPI.Operation {
        var all = responses
        var codes = errors
        if !isPublic && !codes.contains(401) { codes.append(401) }
        codes += [429, 500]
        for code in Set(codes).sorted() {
            all[OpenAPI.Response.StatusCode(integerLiteral: code)] = .reference(.component(named: "Error\(code)"))
        }
        return OpenAPI.Operation(
            tags: [tag], summary: summary, description: description, operationId: id, parameters: parameters,
            requestBody: body, responses: all, security: isPublic ? [] : nil)
    }

    static func json(_ schema: String, required: Bool = true) -> OpenAPI.Request {
        OpenAPI.Request(content: [.json: .content(OpenAPI.Content(schema: APISchemas.ref(schema)))], required: required)
    }

    static func ok(_ description: String, _ schema: String, etag: Bool = false, location: Bool = false) -> Response {
        var headers = requestIDHeader ?? [:]
        if etag { headers["ETag"] = .header(OpenAPI.Header(schema: .string, description: "The criteria version, quoted (\"3\").")) }
        if location { headers["Location"] = .header(OpenAPI.Header(schema: .string, description: "The resource's URL path.")) }
        return .response(OpenAPI.Response(
            description: description, headers: headers,
            content: [.json: .content(OpenAPI.Content(schema: APISchemas.ref(schema)))]))
    }

    static var requestIDHeader: OpenAPI.Header.Map? {
        ["X-Request-ID": .header(OpenAPI.Header(
            schema: .string, description: "The request's id: the client's own when it sent a sane one, else a new UUID.",
            required: true))]
    }

    static let errorDescriptions: [(Int, String)] = [
        (400, "validation_error: invalid parameters or body (details.fields lists every problem), malformed JSON (details.line, details.column)"),
        (401, "unauthorized: no, invalid or expired token, or wrong credentials"),
        (403, "forbidden: the role does not allow this, or the session belongs to someone else, or a CORS preflight from an origin not allowed"),
        (404, "not_found: no such resource"),
        (409, "conflict: contradictory criteria, a stale version in the body, a finished session, a model in use"),
        (412, "precondition_failed: the If-Match version is stale"),
        (413, "payload_too_large: the body exceeds the limit (details.limit_bytes)"),
        (415, "unsupported_media_type: wrong Content-Type"),
        (429, "rate_limited: retry after Retry-After seconds"),
        (500, "internal_error: the server failed; its log has the details under the request_id"),
        (503, "service_unavailable: the database does not answer, or the run queue is full"),
    ]

    static var errorResponses: OpenAPI.ComponentReferenceDictionary<OpenAPI.Response> {
        var responses: OpenAPI.ComponentReferenceDictionary<OpenAPI.Response> = [:]
        for (code, description) in errorDescriptions {
            var headers = requestIDHeader ?? [:]
            if code == 429 || code == 503 {
                headers["Retry-After"] = .header(OpenAPI.Header(schema: .integer, description: "Seconds to wait.", required: code == 429))
            }
            if code == 401 { headers["WWW-Authenticate"] = .header(OpenAPI.Header(schema: .string)) }
            responses[OpenAPI.ComponentKey(stringLiteral: "Error\(code)")] = .response(OpenAPI.Response(
                description: description, headers: headers,
                content: [.json: .content(OpenAPI.Content(schema: APISchemas.ref("ErrorResponse")))]))
        }
        return responses
    }
}
