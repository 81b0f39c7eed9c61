import Foundation
import Synchronization

/// Access tokens whose signature this process has already verified, with what they grant.
///
/// A client sends the same bearer token on every request; verifying it each time (jwt-kit
/// decodes the header and claims with Foundation's JSON decoder and checks the HMAC, behind an
/// actor) costs more than the rest of a cached dashboard request. The secret cannot change
/// while the process runs, so a token that verified once verifies again: only its expiry is
/// checked on every use, here. What the token's user may do is still decided per request by
/// the caller against the users' current roles (`UserDirectory`), so removing a user stops
/// their cached tokens exactly as before. Only verified tokens are kept, and at most
/// `capacity` of them: past that the cache starts over.
final class VerifiedTokens: Sendable {
    enum Lookup: Equatable {
        case valid(AccessGrant)
        case expired
        case unknown
    }

    private let grants = Mutex<[String: AccessGrant]>([:])
    private let capacity: Int
    private let clock: @Sendable () -> Date

    init(capacity: Int = 10_000, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = capacity
        self.clock = clock
    }

    func lookup(_ token: String) -> Lookup {
        let now = clock()
        return grants.withLock { grants in
            guard let grant = grants[token] else { return .unknown }
            // The same rule as jwt-kit's ExpirationClaim: expired once `exp` is not after now.
            guard grant.expiresAt > now else {
                grants[token] = nil
                return .expired
            }
            return .valid(grant)
        }
    }

    func remember(_ token: String, _ grant: AccessGrant) {
        grants.withLock { grants in
            if grants.count >= capacity { grants.removeAll(keepingCapacity: true) }
            grants[token] = grant
        }
    }

    var count: Int { grants.withLock { $0.count } }
}
