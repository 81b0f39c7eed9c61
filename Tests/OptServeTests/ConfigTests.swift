import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

@Suite struct ConfigTests {
    static func body(name: String = "lab", techniques: [String] = ["simplify", "fp16"], target: String = "cpu", extra: String = "") -> String {
        let list = techniques.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            {"name": "\(name)", "description": "", "target_deployment": "robot", "enabled_techniques": [\(list)],
             "hardware_target": "\(target)", "max_size_reduction_percent": 60, "min_accuracy_retention_percent": 97,
             "max_inference_time_ms": 20\(extra)}
            """
    }

    @Test func aFreshStoreAnswersTheDefaultsAtVersion1() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/config/optimization-criteria", as: "vic")
            #expect(reply.status == .ok)
            let json = try reply.json()
            #expect(json["version"] == .number(1))
            #expect(json["name"] == .string("default"))
            #expect(reply.headers[.eTag] == "\"1\"")
            for key in ["name", "description", "constraints", "target_deployment", "enabled_techniques", "hardware_target",
                        "max_size_reduction_percent", "min_accuracy_retention_percent", "max_inference_time_ms", "created_at", "updated_at"] {
                #expect(json[key] != nil, "missing \(key)")
            }
        }
    }

    @Test func anAdminReplacesTheCriteria() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: Self.body())
            #expect(reply.status == .ok)
            #expect(try reply.json()["version"] == .number(2))
            #expect(reply.headers[.eTag] == "\"2\"")
            let read = try await client.request(.get, "/config/optimization-criteria", as: "eve")
            #expect(try read.json()["name"] == .string("lab"))
        }
    }

    @Test func contradictoryValuesAreAConflict() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: Self.body(techniques: ["fp16"], target: "cortex-m"))
            #expect(reply.status == .conflict)
            #expect(try reply.errorCode() == "conflict")
            #expect(try reply.problemFields() == ["enabled_techniques"])
        }
    }

    @Test func invalidValuesAreAllReported() async throws {
        try await Fixture().test { client in
            let body = Self.body(techniques: ["warp-drive"], target: "toaster")
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: body)
            #expect(reply.status == .badRequest)
            #expect(Set(try reply.problemFields()) == ["enabled_techniques", "hardware_target"])
        }
    }

    @Test func staleVersionsInTheBodyConflictAndIfMatchFailsThePrecondition() async throws {
        try await Fixture().test { client in
            #expect(try await client.request(.put, "/config/optimization-criteria", as: "ada", json: Self.body()).status == .ok)
            let stale = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: Self.body(extra: ", \"version\": 1"))
            #expect(stale.status == .conflict)
            #expect(try stale.problemFields() == ["version"])
            let precondition = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: Self.body(), headers: [.ifMatch: "\"1\""])
            #expect(precondition.status == .preconditionFailed)
            #expect(try precondition.errorCode() == "precondition_failed")
            let current = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: Self.body(name: "next"), headers: [.ifMatch: "\"2\""])
            #expect(current.status == .ok)
            #expect(try current.json()["version"] == .number(3))
            let badHeader = try await client.request(
                .put, "/config/optimization-criteria", as: "ada", json: Self.body(), headers: [.ifMatch: "yesterday"])
            #expect(badHeader.status == .badRequest)
            #expect(try badHeader.problemFields() == ["If-Match"])
        }
    }

    @Test func readOnlyFieldsAreAcceptedAndIgnored() async throws {
        try await Fixture().test { client in
            let body = Self.body(extra: #", "created_at": "2000-01-01T00:00:00Z", "updated_at": "x""#)
            let reply = try await client.request(.put, "/config/optimization-criteria", as: "ada", json: body)
            #expect(reply.status == .ok)
            #expect(try reply.json()["created_at"] != .string("2000-01-01T00:00:00.000Z"))
        }
    }

    /// Twelve admins each add their own marker to the description at the same time, reading
    /// the current version and retrying on 409 as a careful client does: every marker lands.
    @Test func concurrentConditionalWritesLoseNoUpdate() async throws {
        try await Fixture().test { client in
            let token = try await client.token(for: "ada")
            let writers = 12
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for _ in 0..<200 {
                            let read = try await client.request(.get, "/config/optimization-criteria", headers: [.authorization: "Bearer \(token)"])
                            guard case .object(var document) = try read.json(), let version = document["version"] else { return }
                            let description = document["description"]?.stringValue ?? ""
                            document["description"] = .string(description + "[w\(writer)]")
                            document["version"] = version
                            let put = try await client.request(
                                .put, "/config/optimization-criteria", json: JSONCoding.string(JSONValue.object(document)),
                                headers: [.authorization: "Bearer \(token)"])
                            if put.status == .ok { return }
                            #expect(put.status == .conflict)
                        }
                        Issue.record("writer \(writer) never got its update in")
                    }
                }
                try await group.waitForAll()
            }
            let final = try await client.request(.get, "/config/optimization-criteria", headers: [.authorization: "Bearer \(token)"])
            let description = try final.json()["description"]?.stringValue ?? ""
            for writer in 0..<writers { #expect(description.contains("[w\(writer)]")) }
            #expect(try final.json()["version"] == .number(Double(1 + writers)))
        }
    }

    @Test func unconditionalConcurrentWritesAllApply() async throws {
        try await Fixture().test { client in
            let token = try await client.token(for: "ada")
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for writer in 0..<10 {
                    group.addTask {
                        try await client.request(
                            .put, "/config/optimization-criteria", json: Self.body(name: "w\(writer)"),
                            headers: [.authorization: "Bearer \(token)"]).status
                    }
                }
                for try await status in group { #expect(status == .ok) }
            }
            let final = try await client.request(.get, "/config/optimization-criteria", headers: [.authorization: "Bearer \(token)"])
            #expect(try final.json()["version"] == .number(11))
        }
    }
}
