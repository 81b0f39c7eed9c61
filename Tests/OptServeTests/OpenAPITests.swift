import Foundation
import Hummingbird
import NIOCore
import OpenAPIKit
import OptKit
import Testing

@testable import OptServe

@Suite struct OpenAPITests {
    static func document(sessions: Bool = true) -> OpenAPI.Document {
        APIDocument.build(settings: ServerSettings(profile: .dev), sessionsEnabled: sessions)
    }

    @Test func theDocumentIsValidOpenAPI31() throws {
        let document = Self.document()
        #expect(document.openAPIVersion == .v3_1_1)
        _ = try document.validate()
        // Every reference resolves.
        _ = try document.locallyDereferenced()
    }

    @Test func everyDocumentedOperationIsServedAndEveryErrorDocumented() async throws {
        let platform = try Fixture.makePlatform()
        let fixture = try await Fixture(platform: platform, runner: TestRunner(sessions: platform.sessions))
        let routes = APIDocument.routes(of: Self.document())
        #expect(routes.count == 17)
        try await fixture.test { client in
            for (method, template) in routes {
                let path = template.replacingOccurrences(of: "{id}", with: "x")
                let reply = try await client.request(method, path, as: "ada")
                #expect(reply.status != .methodNotAllowed, "\(method) \(template)")
                if reply.status == .notFound {
                    #expect(try reply.json()["message"]?.stringValue?.hasPrefix("no endpoint") == false, "\(method) \(template) is not routed")
                }
            }
        }
    }

    @Test func servedDocumentMatchesTheSettings() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            let json = try reply.json()
            #expect(json["openapi"] == .string("3.1.1"))
            // Without a runner, sessions cannot be started here.
            #expect(json["paths"]?["/optimization/sessions"]?["post"] == nil)
            #expect(json["paths"]?["/optimization/sessions"]?["get"] != nil)
            #expect(json["components"]?["schemas"]?["ErrorResponse"] != nil)
            let decoded = try JSONDecoder().decode(OpenAPI.Document.self, from: Data(reply.body.utf8))
            _ = try decoded.validate()
        }
    }

    @Test func theDocsPageIsSelfContainedAndEscaped() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/docs?<script>=1")
            #expect(reply.status == .badRequest)
            let page = try await client.request(.get, "/docs")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'"))
            #expect(!page.body.contains("<script"))
            #expect(!page.body.contains("http://"))
            #expect(!page.body.contains("https://"))
            #expect(page.body.contains("/dashboard/stats"))
            #expect(page.body.contains("DashboardStats"))
        }
        #expect(DocsPage.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
        let hostile = DocsPage(document: .object([
            "info": .object(["title": .string("<script>alert(1)</script>"), "description": .string("`<b>`")]),
        ]))
        #expect(!hostile.html.contains("<script>alert"))
        #expect(hostile.html.contains("<code>&lt;b&gt;</code>"))
    }
}
