import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

@Suite struct OperationsTests {
    @Test func healthIsPublic() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/health")
            #expect(reply.status == .ok)
            let json = try reply.json()
            #expect(json["status"] == .string("ok"))
            #expect(json["database"] == .string("ok"))
        }
    }

    @Test func metricsCountRequestsByRouteTemplateAndStatus() async throws {
        let platform = try Fixture.makePlatform()
        _ = try await makeSession(platform, owner: "eve", status: .completed)
        let fixture = try await Fixture(platform: platform)
        try await fixture.test { client in
            _ = try await client.request(.get, "/optimization/sessions/abc", as: "vic")
            _ = try await client.request(.get, "/optimization/sessions/def", as: "vic")
            _ = try await client.request(.get, "/nowhere")
            let text = try await client.request(.get, "/metrics").body
            #expect(text.contains(#"optctl_http_requests_total{method="GET",route="/optimization/sessions/{id}",status="404"} 2"#))
            #expect(text.contains(#"route="NotFound",status="404""#))
            #expect(text.contains("optctl_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"optctl_sessions{status="completed"} 1"#))
            // Read from the real-time channel at scrape time: no client is connected.
            #expect(text.contains("optctl_websocket_clients 0"))
        }
    }
}
