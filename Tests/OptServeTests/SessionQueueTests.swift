import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

/// POST /optimization/sessions and the bounded worker pool, with a test runner standing in for
/// the optimization pipeline.
@Suite struct SessionQueueTests {
    @Test func aStartedSessionIsAcceptedPendingAndRunsToTheEnd() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerModel(platform, name: "policy")
        let runner = TestRunner(sessions: platform.sessions)
        try await Fixture(platform: platform, runner: runner).test { client in
            let reply = try await client.request(
                .post, "/optimization/sessions", as: "eve", json: #"{"model_id": "\#(model.id)", "techniques": ["simplify"]}"#)
            #expect(reply.status == .accepted)
            let json = try reply.json()
            #expect(json["status"] == .string("pending"))
            #expect(json["owner"] == .string("eve"))
            #expect(json["model_name"] == .string("policy"))
            let id = try #require(json["session_id"]?.stringValue)
            #expect(reply.headers[.location] == "/optimization/sessions/\(id)")
            let finished = try await waitFor(platform, id) { $0.status == .completed }
            #expect(finished.results?["criteria_name"] == .string("default"))
        }
    }

    @Test func requestProblemsAreReportedLikeAConfigPut() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerModel(platform, name: "policy")
        try await Fixture(platform: platform, runner: TestRunner(sessions: platform.sessions)).test { client in
            let invalid = try await client.request(
                .post, "/optimization/sessions", as: "eve",
                json: #"{"model_id": "\#(model.id)", "techniques": ["simplify", "simplify", "magic"], "criteria": {"max_inference_time_ms": 0, "name": "x"}, "extra": 1}"#)
            #expect(invalid.status == .badRequest)
            #expect(Set(try invalid.problemFields()) == ["techniques", "criteria.name", "extra"])
            let range = try await client.request(
                .post, "/optimization/sessions", as: "eve",
                json: #"{"model_id": "\#(model.id)", "techniques": ["simplify"], "criteria": {"max_inference_time_ms": 0}}"#)
            #expect(try range.problemFields() == ["criteria.max_inference_time_ms"])
            let conflict = try await client.request(
                .post, "/optimization/sessions", as: "eve",
                json: #"{"model_id": "\#(model.id)", "techniques": ["fp16"], "criteria": {"hardware_target": "cortex-m"}}"#)
            #expect(conflict.status == .conflict)
            #expect(try conflict.problemFields() == ["techniques"])
            let unknownModel = try await client.request(
                .post, "/optimization/sessions", as: "eve", json: #"{"model_id": "nope", "techniques": ["simplify"]}"#)
            #expect(unknownModel.status == .badRequest)
            #expect(try unknownModel.problemFields() == ["model_id"])
        }
    }

    @Test func busyWorkersLeaveSessionsPendingAndAFullQueueRefuses() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerModel(platform, name: "policy")
        let runner = TestRunner(sessions: platform.sessions, holding: true)
        let fixture = try await Fixture(platform: platform, runner: runner, adjust: { $0.workers = 1; $0.queueLimit = 2 })
        try await fixture.test { client in
            let body = #"{"model_id": "\#(model.id)", "techniques": ["simplify"]}"#
            var ids: [String] = []
            for _ in 0..<3 {
                let reply = try await client.request(.post, "/optimization/sessions", as: "eve", json: body)
                #expect(reply.status == .accepted)
                ids.append(try reply.json()["session_id"]?.stringValue ?? "")
            }
            _ = try await waitFor(platform, ids[0]) { $0.status == .running }
            let full = try await client.request(.post, "/optimization/sessions", as: "eve", json: body)
            #expect(full.status == .serviceUnavailable)
            #expect(try full.errorCode() == "service_unavailable")
            #expect(full.headers[.retryAfter] == "30")
            #expect(try await platform.sessions.session(id: ids[1]).status == .pending)
            #expect(runner.started == [ids[0]])
            // A queued session cancelled while waiting is never started.
            #expect(try await client.request(.post, "/optimization/sessions/\(ids[1])/cancel", as: "eve").status == .ok)
            runner.release()
            _ = try await waitFor(platform, ids[2]) { $0.status == .completed }
            #expect(try await platform.sessions.session(id: ids[1]).status == .cancelled)
            #expect(runner.started == [ids[0], ids[2]])
        }
    }

    func waitFor(_ platform: Platform, _ id: String, until condition: (Session) -> Bool) async throws -> Session {
        for _ in 0..<2000 {
            let session = try await platform.sessions.session(id: id)
            if condition(session) { return session }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("session \(id) never reached the expected state")
        return try await platform.sessions.session(id: id)
    }
}
