import Foundation
import OptKit

/// The REST API's own token check, for the real-time channel's CONNECT: the same secret and
/// expiry (`TokenService`) and the same user directory as `AuthenticationMiddleware`, so a
/// token the API accepts connects, a removed user's tokens are refused by both, and the role
/// that applies is the user's current one.
struct APITokenVerifier: RealtimeTokenVerifier {
    let tokens: TokenService
    let directory: UserDirectory

    func identity(forToken token: String) async throws(TokenRefusal) -> RealtimeIdentity {
        let grant: AccessGrant
        do {
            grant = try await tokens.verifyAccessGrant(token)
        } catch {
            throw TokenRefusal(error.message)
        }
        let name = grant.identity.name
        let role: UserRole?
        do {
            role = try await directory.role(of: name)
        } catch {
            throw TokenRefusal("the user store is unavailable; try again")
        }
        guard let role else { throw TokenRefusal("the user \(name) no longer exists") }
        return RealtimeIdentity(user: name, role: role, expiresAt: grant.expiresAt)
    }

    /// False once the user is removed or has another role (the socket's rooms were chosen for
    /// the old one); true when the store cannot say.
    func isStillValid(_ identity: RealtimeIdentity) async -> Bool {
        do {
            return try await directory.role(of: identity.user) == identity.role
        } catch {
            return true
        }
    }
}
