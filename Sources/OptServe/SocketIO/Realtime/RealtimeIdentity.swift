import Foundation
import OptKit

/// Who is behind a Socket.IO connection, as the REST API's token says.
public struct RealtimeIdentity: Hashable, Sendable {
    public var user: String
    public var role: UserRole
    /// When the token stops being valid; the socket is disconnected then (nil: never).
    public var expiresAt: Date?

    public init(user: String, role: UserRole, expiresAt: Date? = nil) {
        self.user = user
        self.role = role
        self.expiresAt = expiresAt
    }

    /// Whether this identity may see (subscribe to, receive events of) a session owned by
    /// `owner`: the REST API's rule.
    public func maySee(sessionOwnedBy owner: String) -> Bool {
        AccessPolicy.canRead(sessionOwnedBy: owner, by: Identity(name: user, role: role))
    }
}

/// Why a token was refused; the message goes to the client in CONNECT_ERROR.
public struct TokenRefusal: Error, Equatable, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// Turns the JWT a client sends in its CONNECT auth payload (`{"token": "…"}`) into an
/// identity. The server's implementation is the REST API's own verifier, so a token valid for
/// one is valid for the other.
public protocol RealtimeTokenVerifier: Sendable {
    func identity(forToken token: String) async throws(TokenRefusal) -> RealtimeIdentity

    /// Whether a connected identity may stay connected: the REST API refuses a removed user's
    /// tokens (and applies a changed role) without waiting for them to expire, and the channel
    /// asks this at every status tick to do the same. A verifier that cannot tell (its store
    /// did not answer) says true, so a passing failure disconnects nobody.
    func isStillValid(_ identity: RealtimeIdentity) async -> Bool
}

extension RealtimeTokenVerifier {
    /// Tokens alone cannot be revoked: valid until they expire.
    public func isStillValid(_ identity: RealtimeIdentity) async -> Bool { true }
}

/// A verifier from a closure.
public struct ClosureTokenVerifier: RealtimeTokenVerifier {
    let verify: @Sendable (String) async throws(TokenRefusal) -> RealtimeIdentity

    public init(_ verify: @escaping @Sendable (String) async throws(TokenRefusal) -> RealtimeIdentity) {
        self.verify = verify
    }

    public func identity(forToken token: String) async throws(TokenRefusal) -> RealtimeIdentity {
        try await verify(token)
    }
}
