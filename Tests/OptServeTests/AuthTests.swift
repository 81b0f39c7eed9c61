import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

@Suite struct AuthTests {
    @Test func signInGivesAccessAndRefreshTokens() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.post, "/auth/token", json: #"{"username": "eve", "password": "correct horse battery"}"#)
            #expect(reply.status == .ok)
            let json = try reply.json()
            #expect(json["token_type"] == .string("bearer"))
            #expect(json["role"] == .string("engineer"))
            #expect(json["expires_in"] == .number(900))
            let token = try #require(json["access_token"]?.stringValue)
            let stats = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(token)"])
            #expect(stats.status == .ok)
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSame401() async throws {
        try await Fixture().test { client in
            let wrong = try await client.request(.post, "/auth/token", json: #"{"username": "eve", "password": "nope nope nope"}"#)
            let unknown = try await client.request(.post, "/auth/token", json: #"{"username": "mallory", "password": "nope nope nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(try wrong.errorCode() == "unauthorized")
            #expect(try wrong.json()["message"] == unknown.json()["message"])
        }
    }

    @Test func signInBodyProblemsAreNamed() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.post, "/auth/token", json: #"{"user": "eve"}"#)
            #expect(reply.status == .badRequest)
            #expect(Set(try reply.problemFields()) == ["username", "password", "user"])
        }
    }

    @Test func refreshGivesNewTokensAndIsNotAnAccessToken() async throws {
        try await Fixture().test { client in
            let (access, refresh) = try await client.tokens(for: "vic")
            let renewed = try await client.request(.post, "/auth/refresh", json: #"{"refresh_token": "\#(refresh)"}"#)
            #expect(renewed.status == .ok)
            #expect(try renewed.json()["role"] == .string("viewer"))
            // Each token only does its own job.
            let refreshAsAccess = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(refresh)"])
            #expect(refreshAsAccess.status == .unauthorized)
            let accessAsRefresh = try await client.request(.post, "/auth/refresh", json: #"{"refresh_token": "\#(access)"}"#)
            #expect(accessAsRefresh.status == .unauthorized)
        }
    }

    @Test func expiredAndForgedTokensAreRefused() async throws {
        let fixture = try await Fixture()
        let tokens = await TokenService(secret: Fixture.secret, accessLifetime: 60, refreshLifetime: 120)
        let expired = try await tokens.issue(for: Identity(name: "ada", role: .admin), now: Date(timeIntervalSinceNow: -3600))
        let forger = await TokenService(secret: Array("another-secret-another-secret-another".utf8), accessLifetime: 60, refreshLifetime: 120)
        let forged = try await forger.issue(for: Identity(name: "ada", role: .admin))
        try await fixture.test { client in
            let late = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(expired.accessToken)"])
            #expect(late.status == .unauthorized)
            #expect(try late.json()["message"]?.stringValue?.contains("expired") == true)
            let fake = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(forged.accessToken)"])
            #expect(fake.status == .unauthorized)
            let garbage = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Basic YWRhOnB3"])
            #expect(garbage.status == .unauthorized)
            #expect(garbage.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func aRemovedUsersTokensStopWorkingAndRolesAreCurrent() async throws {
        let fixture = try await Fixture()
        try await fixture.test { client in
            let (token, refresh) = try await client.tokens(for: "ed")
            #expect(try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(token)"]).status == .ok)
            try await fixture.platform.users.remove(named: "ed")
            let after = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(token)"])
            #expect(after.status == .unauthorized)
            let renewed = try await client.request(.post, "/auth/refresh", json: #"{"refresh_token": "\#(refresh)"}"#)
            #expect(renewed.status == .unauthorized)
        }
    }

    @Test func tokenClaimsAreTheUsersCurrentRole() async throws {
        let fixture = try await Fixture()
        // A token that claims admin for a viewer gets the viewer's rights.
        let tokens = await TokenService(secret: Fixture.secret, accessLifetime: 60, refreshLifetime: 120)
        let claimed = try await tokens.issue(for: Identity(name: "vic", role: .admin))
        try await fixture.test { client in
            let reply = try await client.request(
                .put, "/config/optimization-criteria", json: "{}", headers: [.authorization: "Bearer \(claimed.accessToken)"])
            #expect(reply.status == .forbidden)
        }
    }
}
