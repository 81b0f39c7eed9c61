import Foundation
import HTTPTypes
import Hummingbird
import OptKit

/// /optimization/sessions: the seed's list (same filter rules as `optctl sessions list`), one
/// session, starting a session (202, queued as pending) and cancelling one.
struct SessionsController {
    let platform: Platform
    /// Nil when the server was built without a runner: then sessions cannot be started here
    /// (POST answers 405, and the OpenAPI document leaves the operation out).
    let queue: SessionQueue?
    /// Sessions created here are leased to this server until a worker takes them.
    let holder: LeaseHolder
    let settings: ServerSettings
    /// Pages of the list, kept while the store is unchanged.
    let cache: StoreReadCache

    static let listParameters: Set<String> = ["status", "model_id", "start_date", "end_date", "skip", "limit"]

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .get("{id}", use: show)
            .post("{id}/cancel", use: cancel)
        if queue != nil { routes.post(use: create) }
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let query = try QueryParameters(request, known: Self.listParameters)
        let filter = try SessionFilter(
            status: query["status"], modelID: query["model_id"], startDate: query["start_date"],
            endDate: query["end_date"], skip: query["skip"], limit: query["limit"])
        let restricted = AccessPolicy.restrict(filter, for: identity)
        let body = try await cache.page(restricted) {
            try await TransientRetry.run { try await platform.sessions.list(restricted) }.jsonBytes()
        }
        return JSONResponse.make(bytes: body)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        let session = try await readable(context.parameters.require("id"), by: identity)
        return try JSONResponse.make(session)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try AccessPolicy.require(.engineer, context, to: "start sessions")
        try QueryParameters.rejectAny(request)
        guard let queue else { throw APIError.serviceUnavailable("this server runs no sessions") }
        let body = try await JSONBody.read(request, limit: settings.maxBodyBytes)
        let sessionRequest = try SessionRequest(json: body)
        let stored = try await TransientRetry.run { try await platform.criteria.current() }
        let criteria = try sessionRequest.effectiveCriteria(base: stored.criteria)
        let model: ModelRecord
        do {
            model = try await TransientRetry.run { try await platform.models.model(id: sessionRequest.modelID) }
        } catch is NotFound {
            // The request is well-formed but names no registered model: a field problem, not a missing URL.
            throw APIError.validation([FieldProblem(
                field: "model_id", value: .string(sessionRequest.modelID), message: "is not a registered model (GET /models)")])
        }

        try queue.reserve()
        let session: Session
        do {
            session = try await TransientRetry.run {
                try await platform.sessions.create(NewSession(
                    modelID: model.id, modelName: model.name, techniques: sessionRequest.techniques, owner: identity.name,
                    holder: holder))
            }
        } catch {
            queue.release()
            throw error
        }
        queue.submit(SessionJob(sessionID: session.id, criteria: criteria))
        var headers = HTTPFields()
        headers[.location] = "/optimization/sessions/\(session.id)"
        return try JSONResponse.make(session, status: .accepted, headers: headers)
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try AccessPolicy.require(.engineer, context, to: "cancel sessions")
        try QueryParameters.rejectAny(request)
        let id = try context.parameters.require("id")
        var reason = "cancelled by \(identity.name)"
        if let body = try await JSONBody.readIfPresent(request, limit: settings.maxBodyBytes) {
            var reader = DocumentReader(body)
            if let given = reader.string("reason", required: false) {
                if given.count > 500 {
                    reader.report(FieldProblem(field: "reason", value: .string(String(given.prefix(40)) + "…"), message: "must be at most 500 characters"))
                }
                reason = given
            }
            reader.rejectUnknownKeys(known: ["reason"])
            if !reader.problems.isEmpty { throw APIError.validation(reader.problems) }
        }
        let session = try await readable(id, by: identity)
        guard AccessPolicy.canCancel(session, by: identity) else {
            throw APIError.forbidden("engineers can cancel only their own sessions; this one belongs to \(session.owner)")
        }
        let updated = try await TransientRetry.run { try await platform.sessions.apply(.requestCancel(reason: reason), to: id) }
        // A pending session is cancelled at once (200); a running one is marked and its process
        // stops it at the next step (202).
        return try JSONResponse.make(updated, status: updated.status == .cancelled ? .ok : .accepted)
    }

    /// The session, if this caller may see it: 404 when it does not exist, 403 when it is
    /// someone else's and the caller is an engineer.
    private func readable(_ id: String, by identity: Identity) async throws -> Session {
        let session = try await TransientRetry.run { try await platform.sessions.session(id: id) }
        guard AccessPolicy.canRead(session, by: identity) else {
            throw APIError.forbidden("engineers can see only their own sessions; this one belongs to \(session.owner)")
        }
        return session
    }
}
