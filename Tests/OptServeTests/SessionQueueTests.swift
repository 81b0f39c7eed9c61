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

    /// A session waiting for a worker is leased to the server and its lease keeps being renewed,
    /// so another process's recovery never takes it for abandoned. The holder here is a process
    /// that no longer exists on this host: only an unexpired lease protects its sessions.
    @Test func waitingSessionsKeepTheirLeases() async throws {
        let (platform, renewals) = try LeaseRecordingStore.platform()
        let model = try await registerModel(platform, name: "policy")
        let runner = TestRunner(sessions: platform.sessions, holding: true)
        let gone = LeaseHolder(host: LeaseHolder.current.host, pid: Int32.max, instance: "gone")
        let queue = SessionQueue(
            runner: runner, sessions: platform.sessions, workers: 1, capacity: 5, holder: gone, renewInterval: .milliseconds(20))
        let service = Task { try await queue.run() }
        defer { service.cancel() }

        var sessions: [Session] = []
        for _ in 0..<2 {
            try queue.reserve()
            let session = try await platform.sessions.create(NewSession(
                modelID: model.id, modelName: model.name, techniques: ["simplify"], owner: "eve", holder: gone))
            queue.submit(SessionJob(sessionID: session.id, criteria: OptimizationCriteria.defaults))
            sessions.append(session)
        }
        let waiting = sessions[1]
        for _ in 0..<500 where renewals.count(of: waiting.id, by: gone) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(renewals.count(of: waiting.id, by: gone) >= 2)
        // Recovery just after the lease taken at creation would have expired finds the waiting
        // session's renewed lease still valid, although its holder's process is gone.
        let recovered = try await platform.sessions.recoverAbandoned(
            now: waiting.createdAt.addingTimeInterval(LeaseHolder.duration + 0.001))
        #expect(!recovered.map(\.id).contains(waiting.id))
        #expect(try await platform.sessions.session(id: waiting.id).status == .pending)
        // The running one is the runner's to renew, not the queue's.
        #expect(renewals.count(of: sessions[0].id, by: gone) <= 1)
        runner.release()
        try? FileManager.default.removeItem(at: platform.configuration.home)
    }

    /// A session whose process died (its holder is gone and its lease expired) is failed as
    /// interrupted by the running server, without waiting for another process to open the store.
    @Test func theServerSweepsSessionsWhoseProcessDied() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerModel(platform, name: "policy")
        let gone = LeaseHolder(host: LeaseHolder.current.host, pid: Int32.max, instance: "gone")
        let session = try await platform.sessions.create(NewSession(
            modelID: model.id, modelName: model.name, techniques: ["simplify"], owner: "eve", holder: gone))
        try await platform.sessions.apply(.start, to: session.id)
        _ = try await platform.sessions.renewLease(holder: gone, sessions: [session.id], until: Date().addingTimeInterval(-60))
        let sweeper = AbandonedSessionSweeper(platform: platform, interval: .milliseconds(20), logger: Fixture.quietLogger("sweep"))
        let task = Task { try await sweeper.run() }
        defer { task.cancel() }
        let ended = try await waitFor(platform, session.id) { $0.status.isTerminal }
        #expect(ended.status == .failed)
        #expect(ended.errorType == .interrupted)
        try? FileManager.default.removeItem(at: platform.configuration.home)
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
