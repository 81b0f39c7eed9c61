import Foundation
import Hummingbird
import NIOCore
import OptKit
import Testing

@testable import OptServe

/// Every non-2xx body is the seed's ErrorResponse with the contracts' code, and every response
/// carries X-Request-ID.
@Suite struct ErrorResponseTests {
    @Test func unknownRouteIs404() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/no/such/thing", as: "ada")
            #expect(reply.status == .notFound)
            #expect(try reply.errorCode() == "not_found")
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.delete, "/dashboard/stats", as: "ada")
            #expect(reply.status == .methodNotAllowed)
            #expect(try reply.errorCode() == "method_not_allowed")
            #expect(reply.headers[.allow] == "GET")
            let put = try await client.request(.patch, "/optimization/sessions/abc", as: "ada")
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET")
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await Fixture().test { client in
            let echoed = try await client.request(.get, "/health", headers: [.requestID: "trace-42"])
            #expect(echoed.headers[.requestID] == "trace-42")
            let generated = try await client.request(.get, "/health")
            #expect(UUID(uuidString: generated.headers[.requestID] ?? "") != nil)
            // A value with spaces is not echoed into a header or a log line.
            let replaced = try await client.request(.get, "/nowhere", headers: [.requestID: "a b"])
            #expect(replaced.headers[.requestID] != "a b")
            #expect(try replaced.json()["request_id"]?.stringValue == replaced.headers[.requestID])
        }
    }

    @Test func malformedJSONNamesLineAndColumn() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: "{\n  \"name\": \"x\",\n  oops\n}")
            #expect(reply.status == .badRequest)
            #expect(try reply.errorCode() == "validation_error")
            let details = try reply.json()["details"]
            #expect(details?["line"] == .number(3))
            #expect(details?["column"] == .number(3))
        }
    }

    @Test func unknownAndMistypedFieldsAreNamedAllAtOnce() async throws {
        try await Fixture().test { client in
            let body = """
                {"name": 5, "target_deployment": "robot", "enabled_techniques": ["simplify"], "hardware_target": "cpu",
                 "max_size_reduction_percent": 50, "min_accuracy_retention_percent": 90, "max_inference_time_ms": "fast",
                 "colour": "blue"}
                """
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: body)
            #expect(reply.status == .badRequest)
            #expect(try reply.errorCode() == "validation_error")
            #expect(Set(try reply.problemFields()) == ["name", "max_inference_time_ms", "colour"])
        }
    }

    @Test func unknownQueryParameterIsNamed() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/optimization/sessions?limit=5&colour=blue&limit=6", as: "ada")
            #expect(reply.status == .badRequest)
            #expect(Set(try reply.problemFields()) == ["colour", "limit"])
        }
    }

    @Test func wrongContentTypeIs415() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: "{}", headers: [.contentType: "text/plain"])
            #expect(reply.status == .unsupportedMediaType)
            #expect(try reply.errorCode() == "unsupported_media_type")
        }
    }

    @Test func bodyTooLargeIs413() async throws {
        try await Fixture(adjust: { $0.maxBodyBytes = 1024 }).test { client in
            let big = "{\"name\": \"" + String(repeating: "x", count: 4096) + "\"}"
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: big)
            #expect(reply.status == .contentTooLarge)
            #expect(try reply.errorCode() == "payload_too_large")
        }
    }

    @Test func databaseFailureIs500WithoutInternals() async throws {
        let failing = try FailingStores()
        try await Fixture(platform: failing.platform).test { client in
            let token = try await client.token(for: "ada")
            failing.failSessions(true)
            let reply = try await client.request(.get, "/optimization/sessions", headers: [.authorization: "Bearer \(token)"])
            #expect(reply.status == .internalServerError)
            #expect(try reply.errorCode() == "internal_error")
            #expect(!reply.body.contains("disk I/O"))
            #expect(!reply.body.contains("sessions"))
        }
    }

    @Test func statsDegradeToPartialDataWithWarnings() async throws {
        let failing = try FailingStores()
        try await Fixture(platform: failing.platform).test { client in
            let token = try await client.token(for: "ada")
            failing.failSessions(true)
            let reply = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(token)"])
            #expect(reply.status == .ok)
            let json = try reply.json()
            #expect(json["total_sessions"] == .number(0))
            guard case .array(let warnings)? = json["warnings"] else {
                Issue.record("no warnings in \(reply.body)")
                return
            }
            #expect(warnings.count == 1)
        }
    }

    @Test func healthReportsADatabaseFailureAs503() async throws {
        let failing = try FailingStores()
        try await Fixture(platform: failing.platform).test { client in
            #expect(try await client.request(.get, "/health").status == .ok)
            failing.failSessions(true)
            let reply = try await client.request(.get, "/health")
            #expect(reply.status == .serviceUnavailable)
            #expect(try reply.errorCode() == "service_unavailable")
        }
    }
}
