import Foundation
import Hummingbird
import OptKit

/// POST /auth/token (name and password -> access and refresh tokens) and POST /auth/refresh
/// (refresh token -> a new pair, with the user's current role).
struct AuthController {
    let users: any UserStore
    let tokens: TokenService
    let passwords: Passwords
    let settings: ServerSettings
    /// Checked when the name is unknown, so both failures take the same time.
    let decoyHash: String

    var routes: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("token", use: token)
            .post("refresh", use: refresh)
    }

    static let invalidCredentials = APIError.unauthorized("unknown user name or wrong password")

    @Sendable func token(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryParameters.rejectAny(request)
        let body = try await JSONBody.read(request, limit: 16 << 10)
        var reader = DocumentReader(body)
        let name = reader.string("username", required: true)
        let password = reader.string("password", required: true)
        reader.rejectUnknownKeys(known: ["username", "password"])
        guard reader.problems.isEmpty, let name, let password else { throw APIError.validation(reader.problems) }

        let user = try await TransientRetry.run { try await users.user(named: name) }
        let matches = try await passwords.verify(password, hash: user?.passwordHash ?? decoyHash)
        guard let user, matches else {
            context.logger.notice("failed login", metadata: ["user": .string(name), "request_id": .string(context.requestID)])
            throw Self.invalidCredentials
        }
        return try JSONResponse.make(try await tokens.issue(for: Identity(name: user.name, role: user.role)))
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryParameters.rejectAny(request)
        let body = try await JSONBody.read(request, limit: 16 << 10)
        var reader = DocumentReader(body)
        let token = reader.string("refresh_token", required: true)
        reader.rejectUnknownKeys(known: ["refresh_token"])
        guard reader.problems.isEmpty, let token else { throw APIError.validation(reader.problems) }

        let name = try await tokens.verifyRefresh(token)
        guard let user = try await TransientRetry.run({ try await users.user(named: name) }) else {
            throw APIError.unauthorized("the user \(name) no longer exists")
        }
        return try JSONResponse.make(try await tokens.issue(for: Identity(name: user.name, role: user.role)))
    }
}
