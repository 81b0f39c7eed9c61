import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Reads the bearer token (when there is one) and charges the request to a rate-limit bucket:
/// the user's once the token is verified, else the client IP's (contracts: per user, and per
/// IP before login). Refused requests get 429 with Retry-After. An invalid token is charged to
/// the IP before the 401, so guessing tokens is rate limited like guessing passwords.
///
/// Whether an endpoint needs an identity, and which role, is decided by the endpoint itself
/// (`AccessPolicy`); this middleware only establishes who is calling.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let directory: UserDirectory
    let userLimiter: RateLimiter
    let ipLimiter: RateLimiter
    let settings: ServerSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var failure: APIError?
        if let header = request.headers[.authorization] {
            if let token = Self.bearerToken(header) {
                if let metricsToken = settings.metricsToken, Self.equalInConstantTime(token, metricsToken) {
                    context.metricsToken = true
                } else {
                    do {
                        let claimed = try await tokens.verifyAccess(token)
                        // The role is the user's current one; a removed user's tokens stop working.
                        if let role = try await directory.role(of: claimed.name) {
                            context.identity = Identity(name: claimed.name, role: role)
                        } else {
                            failure = .unauthorized("the user \(claimed.name) no longer exists")
                        }
                    } catch let error as APIError {
                        failure = error
                    }
                }
            } else {
                failure = .unauthorized("the Authorization header must be 'Bearer <access token>'")
            }
        }
        let retryAfter = context.identity != nil
            ? userLimiter.take(context.rateLimitKey, limit: settings.userRateLimit)
            : ipLimiter.take(context.rateLimitKey, limit: settings.ipRateLimit)
        if let retryAfter { throw APIError.rateLimited(retryAfter: retryAfter) }
        if let failure { throw failure }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>` (scheme in any case, spaces before and between ignored,
    /// blanks around the token trimmed), or nil. Read by Unicode scalar: Foundation's
    /// `trimmingCharacters` bridges the whole header through NSString, which cost more than
    /// the rest of a cached request.
    static func bearerToken(_ header: String) -> String? {
        let scalars = header.unicodeScalars
        guard let schemeStart = scalars.firstIndex(where: { $0 != " " }),
              let schemeEnd = scalars[schemeStart...].firstIndex(of: " "),
              String(scalars[schemeStart..<schemeEnd]).lowercased() == "bearer"
        else { return nil }
        let rest = scalars[scalars.index(after: schemeEnd)...]
        guard let first = rest.firstIndex(where: { !isBlank($0) }), let last = rest.lastIndex(where: { !isBlank($0) }) else {
            return nil
        }
        return String(scalars[first...last])
    }

    /// What `CharacterSet.whitespaces` holds: space separators (Unicode category Zs) and tab.
    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || (scalar.value > 0x7F && scalar.properties.generalCategory == .spaceSeparator)
    }

    /// Compares digests, so the time taken does not depend on where the strings differ.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        Data(SHA256.hash(data: Data(a.utf8))) == Data(SHA256.hash(data: Data(b.utf8)))
    }
}
