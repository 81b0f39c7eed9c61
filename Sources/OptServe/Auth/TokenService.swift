import Foundation
import JWTKit
import OptKit

/// What an optctl token says: who, with which role, for what use, until when.
struct TokenClaims: JWTPayload {
    enum Use: String, Codable {
        case access, refresh
    }

    var subject: SubjectClaim
    var role: UserRole
    var use: Use
    var issuedAt: IssuedAtClaim
    var expiration: ExpirationClaim
    var id: IDClaim

    enum CodingKeys: String, CodingKey {
        case subject = "sub", role, use = "typ", issuedAt = "iat", expiration = "exp", id = "jti"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
    }
}

/// The body of POST /auth/token and POST /auth/refresh.
public struct TokenPair: Codable, Equatable, Sendable {
    public var accessToken: String
    public var tokenType: String
    /// Seconds until the access token expires.
    public var expiresIn: Int
    public var refreshToken: String
    /// Seconds until the refresh token expires.
    public var refreshExpiresIn: Int
    public var user: String
    public var role: UserRole

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        case refreshToken = "refresh_token", refreshExpiresIn = "refresh_expires_in", user, role
    }
}

/// What a verified access token grants: who, and until when.
public struct AccessGrant: Equatable, Sendable {
    public var identity: Identity
    public var expiresAt: Date
}

/// Signs and verifies HS256 tokens (jwt-kit). Access tokens are short-lived and carry the
/// role; refresh tokens only prove who the user is, so a refresh reads the user's current role
/// from the store and fails once the user has been removed.
public struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let accessLifetime: Int
    let refreshLifetime: Int
    /// Access tokens that verified already: a client's next request with the same token skips
    /// the signature check and claim decoding (its expiry is still checked).
    let verified: VerifiedTokens

    public init(secret: [UInt8], accessLifetime: Int, refreshLifetime: Int) async {
        await self.init(secret: secret, accessLifetime: accessLifetime, refreshLifetime: refreshLifetime, verified: VerifiedTokens())
    }

    init(secret: [UInt8], accessLifetime: Int, refreshLifetime: Int, verified: VerifiedTokens) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.verified = verified
    }

    public func issue(for identity: Identity, now: Date = Date()) async throws -> TokenPair {
        // NumericDate in whole seconds, as most JWT readers expect.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        func claims(_ use: TokenClaims.Use, lifetime: Int) -> TokenClaims {
            TokenClaims(
                subject: SubjectClaim(value: identity.name), role: identity.role, use: use,
                issuedAt: IssuedAtClaim(value: now), expiration: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime))),
                id: IDClaim(value: UUID().uuidString.lowercased()))
        }
        return TokenPair(
            accessToken: try await keys.sign(claims(.access, lifetime: accessLifetime)), tokenType: "bearer",
            expiresIn: accessLifetime, refreshToken: try await keys.sign(claims(.refresh, lifetime: refreshLifetime)),
            refreshExpiresIn: refreshLifetime, user: identity.name, role: identity.role)
    }

    /// The identity an access token proves, or 401. A refresh token is not an access token.
    public func verifyAccess(_ token: String) async throws(APIError) -> Identity {
        try await verifyAccessGrant(token).identity
    }

    /// The identity an access token proves and when the token expires, for connections that
    /// outlive a request (the real-time channel disconnects them then).
    public func verifyAccessGrant(_ token: String) async throws(APIError) -> AccessGrant {
        switch verified.lookup(token) {
        case .valid(let grant): return grant
        case .expired: throw Self.expired(.access)
        case .unknown: break
        }
        let claims = try await verify(token, use: .access)
        let grant = AccessGrant(identity: Identity(name: claims.subject.value, role: claims.role), expiresAt: claims.expiration.value)
        verified.remember(token, grant)
        return grant
    }

    /// The user name a refresh token proves, or 401.
    public func verifyRefresh(_ token: String) async throws(APIError) -> String {
        try await verify(token, use: .refresh).subject.value
    }

    private func verify(_ token: String, use: TokenClaims.Use) async throws(APIError) -> TokenClaims {
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw Self.expired(use)
        } catch {
            throw APIError.unauthorized("the \(use.rawValue) token is not valid")
        }
        guard claims.use == use else {
            throw APIError.unauthorized("a \(claims.use.rawValue) token cannot be used as a \(use.rawValue) token")
        }
        return claims
    }

    private static func expired(_ use: TokenClaims.Use) -> APIError {
        APIError.unauthorized("the \(use.rawValue) token has expired")
    }
}
