import Foundation
import Hummingbird
import NIOCore
import OptKit
import Testing

@testable import OptServe

/// The role x endpoint matrix of contracts.md (AccessPolicy's table): for every endpoint and
/// every caller (nobody, viewer, engineer who owns the resource, another engineer, admin),
/// whether the request gets past authorization (any status but 401/403) or is refused.
@Suite struct AuthorizationMatrixTests {
    enum Expect: Equatable {
        case allowed, unauthorized, forbidden
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let method: HTTPRequest.Method
        /// May contain {session} (a fresh pending session owned by eve) or {model} (a fresh model).
        let path: String
        let body: String?
        let contentType: String?
        /// nobody, vic (viewer), eve (engineer, owner), ed (other engineer), ada (admin)
        let expected: [Expect]

        var testDescription: String { "\(method) \(path)" }
    }

    static let callers: [String?] = [nil, "vic", "eve", "ed", "ada"]
    static let criteria = """
        {"name": "matrix", "target_deployment": "robot", "enabled_techniques": ["simplify"], "hardware_target": "cpu",
         "max_size_reduction_percent": 50, "min_accuracy_retention_percent": 90, "max_inference_time_ms": 100}
        """

    static let cases: [Case] = [
        Case(method: .get, path: "/health", body: nil, contentType: nil, expected: [.allowed, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/openapi.json", body: nil, contentType: nil, expected: [.allowed, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/docs", body: nil, contentType: nil, expected: [.allowed, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/dashboard/stats", body: nil, contentType: nil,
             expected: [.unauthorized, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/optimization/sessions", body: nil, contentType: nil,
             expected: [.unauthorized, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/optimization/sessions/{session}", body: nil, contentType: nil,
             expected: [.unauthorized, .allowed, .allowed, .forbidden, .allowed]),
        Case(method: .post, path: "/optimization/sessions/{session}/cancel", body: nil, contentType: nil,
             expected: [.unauthorized, .forbidden, .allowed, .forbidden, .allowed]),
        Case(method: .post, path: "/optimization/sessions", body: #"{"model_id": "{model}", "techniques": ["simplify"]}"#,
             contentType: "application/json", expected: [.unauthorized, .forbidden, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/config/optimization-criteria", body: nil, contentType: nil,
             expected: [.unauthorized, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .put, path: "/config/optimization-criteria", body: criteria, contentType: "application/json",
             expected: [.unauthorized, .forbidden, .forbidden, .forbidden, .allowed]),
        Case(method: .get, path: "/models", body: nil, contentType: nil, expected: [.unauthorized, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .get, path: "/models/{model}", body: nil, contentType: nil,
             expected: [.unauthorized, .allowed, .allowed, .allowed, .allowed]),
        Case(method: .post, path: "/models?name=matrix", body: "{model-bytes}", contentType: "application/octet-stream",
             expected: [.unauthorized, .forbidden, .allowed, .allowed, .allowed]),
        Case(method: .delete, path: "/models/{model}", body: nil, contentType: nil,
             expected: [.unauthorized, .forbidden, .forbidden, .forbidden, .allowed]),
    ]

    @Test(arguments: cases)
    func endpoint(_ testCase: Case) async throws {
        let platform = try Fixture.makePlatform()
        let fixture = try await Fixture(
            platform: platform, runner: TestRunner(sessions: platform.sessions))
        try await fixture.test { client in
            for (caller, expected) in zip(Self.callers, testCase.expected) {
                let session = try await makeSession(platform, owner: "eve")
                let model = try await registerModel(platform, name: "m")
                func fill(_ text: String) -> String {
                    text.replacingOccurrences(of: "{session}", with: session.id).replacingOccurrences(of: "{model}", with: model.id)
                }
                var headers = HTTPFields()
                if let type = testCase.contentType { headers[.contentType] = type }
                let body = try testCase.body.map { text in
                    text == "{model-bytes}" ? ByteBuffer(bytes: try tinyModelBytes()) : ByteBuffer(string: fill(text))
                }
                let reply = try await client.request(testCase.method, fill(testCase.path), as: caller, body: body, headers: headers)
                let got: Expect = switch reply.status {
                case .unauthorized: .unauthorized
                case .forbidden: .forbidden
                default: .allowed
                }
                #expect(got == expected, "\(caller ?? "nobody"): \(reply.status) \(reply.body)")
                if got == .allowed {
                    #expect(reply.status.code < 400, "\(caller ?? "nobody") was allowed but failed: \(reply.status) \(reply.body)")
                }
            }
        }
    }

    @Test func metricsArePublicInDevAndForAdminsElsewhere() async throws {
        try await Fixture().test { client in
            let status = try await client.request(.get, "/metrics").status
            #expect(status == .ok)
        }
        try await Fixture(adjust: { $0.metricsPublic = false; $0.metricsToken = "scraper-token-0123456789" }).test { client in
            #expect(try await client.request(.get, "/metrics").status == .unauthorized)
            #expect(try await client.request(.get, "/metrics", as: "eve").status == .forbidden)
            #expect(try await client.request(.get, "/metrics", as: "ada").status == .ok)
            let scraper = try await client.request(.get, "/metrics", headers: [.authorization: "Bearer scraper-token-0123456789"])
            #expect(scraper.status == .ok)
            // The metrics token opens nothing else.
            let other = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer scraper-token-0123456789"])
            #expect(other.status == .unauthorized)
        }
    }
}
