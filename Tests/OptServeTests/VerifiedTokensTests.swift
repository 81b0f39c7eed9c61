import Foundation
import OptKit
import Synchronization
import Testing

@testable import OptServe

/// Tokens already verified are not verified again, but they still expire on time, and a
/// token that does not verify is never remembered.
@Suite struct VerifiedTokensTests {
    final class Clock: Sendable {
        private let value = Mutex(Date())
        var now: Date { value.withLock { $0 } }
        func advance(seconds: Double) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func aRememberedTokenStillExpiresOnTime() async throws {
        let clock = Clock()
        let tokens = await TokenService(
            secret: Fixture.secret, accessLifetime: 60, refreshLifetime: 120, verified: VerifiedTokens { clock.now })
        let pair = try await tokens.issue(for: Identity(name: "ada", role: .admin), now: clock.now)
        #expect(try await tokens.verifyAccess(pair.accessToken) == Identity(name: "ada", role: .admin))
        #expect(try await tokens.verifyAccess(pair.accessToken) == Identity(name: "ada", role: .admin))
        #expect(tokens.verified.count == 1)

        clock.advance(seconds: 61)
        await #expect(throws: APIError.self) { try await tokens.verifyAccess(pair.accessToken) }
        do {
            _ = try await tokens.verifyAccess(pair.accessToken)
        } catch {
            #expect(error.message.contains("expired"))
        }
    }

    @Test func onlyTokensThatVerifyAreRemembered() async throws {
        let tokens = await TokenService(secret: Fixture.secret, accessLifetime: 60, refreshLifetime: 120)
        let forger = await TokenService(secret: Array("another-secret-another-secret-another".utf8), accessLifetime: 60, refreshLifetime: 120)
        let forged = try await forger.issue(for: Identity(name: "ada", role: .admin))
        for _ in 0..<2 {
            await #expect(throws: APIError.self) { try await tokens.verifyAccess(forged.accessToken) }
            // A refresh token is not an access token, even once its signature is known good.
            await #expect(throws: APIError.self) { try await tokens.verifyAccess(forged.refreshToken) }
        }
        let own = try await tokens.issue(for: Identity(name: "ada", role: .admin))
        for _ in 0..<2 {
            await #expect(throws: APIError.self) { try await tokens.verifyAccess(own.refreshToken) }
        }
        #expect(tokens.verified.count == 0)
    }

    @Test func theCacheIsBounded() {
        let cache = VerifiedTokens(capacity: 3)
        let grant = AccessGrant(identity: Identity(name: "ada", role: .admin), expiresAt: Date().addingTimeInterval(60))
        for index in 0..<10 { cache.remember("token-\(index)", grant) }
        #expect(cache.count <= 3)
        #expect(cache.lookup("token-9") == .valid(grant))
    }
}
