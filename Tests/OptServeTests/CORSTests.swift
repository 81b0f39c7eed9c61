import Foundation
import Hummingbird
import Testing

@testable import OptServe

@Suite struct CORSTests {
    static let dashboard = "https://dash.example.com"

    func fixture(_ origins: [String]) async throws -> Fixture {
        try await Fixture(adjust: { $0.corsOrigins = origins })
    }

    @Test func preflightFromAnAllowedOrigin() async throws {
        try await fixture([Self.dashboard]).test { client in
            let reply = try await client.request(.options, "/config/optimization-criteria", headers: [
                .origin: Self.dashboard, .accessControlRequestMethod: "PUT", .accessControlRequestHeaders: "authorization, content-type",
            ])
            #expect(reply.status == .noContent)
            #expect(reply.headers[.accessControlAllowOrigin] == Self.dashboard)
            #expect(reply.headers[.accessControlAllowCredentials] == "true")
            #expect(reply.headers[.accessControlAllowMethods] == "GET, PUT")
            #expect(reply.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(reply.headers[.vary] == "Origin")
            #expect(reply.headers[.requestID] != nil)
        }
    }

    @Test func preflightFromAnotherOriginIsRefused() async throws {
        try await fixture([Self.dashboard]).test { client in
            let reply = try await client.request(.options, "/dashboard/stats", headers: [
                .origin: "https://evil.example.net", .accessControlRequestMethod: "GET",
            ])
            #expect(reply.status == .forbidden)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
            #expect(try reply.errorCode() == "forbidden")
        }
    }

    @Test func responsesToAllowedOriginsCarryCORSHeadersErrorsToo() async throws {
        try await fixture([Self.dashboard]).test { client in
            let ok = try await client.request(.get, "/dashboard/stats", as: "vic", headers: [.origin: Self.dashboard])
            #expect(ok.headers[.accessControlAllowOrigin] == Self.dashboard)
            #expect(ok.headers[.accessControlExposeHeaders]?.contains("X-Request-ID") == true)
            let denied = try await client.request(.get, "/dashboard/stats", headers: [.origin: Self.dashboard])
            #expect(denied.status == .unauthorized)
            #expect(denied.headers[.accessControlAllowOrigin] == Self.dashboard)
            let other = try await client.request(.get, "/dashboard/stats", as: "vic", headers: [.origin: "https://evil.example.net"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func anyOriginNeverComesWithCredentials() async throws {
        try await fixture(["*"]).test { client in
            let reply = try await client.request(.get, "/health", headers: [.origin: "https://anywhere.example"])
            #expect(reply.headers[.accessControlAllowOrigin] == "*")
            #expect(reply.headers[.accessControlAllowCredentials] == nil)
        }
    }
}
