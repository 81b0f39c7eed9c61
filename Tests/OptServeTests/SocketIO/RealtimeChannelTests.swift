import Foundation
import OptKit
@testable import OptServe
import Testing

@Suite("Real-time channel", .timeLimit(.minutes(1)))
struct RealtimeChannelTests {
    @Test("CONNECT needs a valid, unexpired token; the refusal says why")
    func authentication() async throws {
        let fixture = try await RealtimeFixture.make()
        defer { fixture.removeHome() }
        let valid = try await fixture.tokens.token("alice", .engineer)
        let expired = try await fixture.tokens.token("alice", .engineer, expiresIn: -10)
        try await LiveServer.run(fixture.channel) { port in
            let anonymous = try await SocketIOTestClient.connect(port, token: nil)
            #expect(anonymous.connectReply.hasPrefix("44{"))
            #expect(anonymous.connectReply.contains("authentication required"))
            #expect(anonymous.connectReply.contains(#""code":"unauthorized""#))

            let forged = try await SocketIOTestClient.connect(port, token: valid + "x")
            #expect(forged.connectReply.hasPrefix("44{"))
            #expect(forged.connectReply.contains("invalid token"))

            let late = try await SocketIOTestClient.connect(port, token: expired)
            #expect(late.connectReply.contains("token expired"))

            let alice = try await SocketIOTestClient.connect(port, token: valid)
            #expect(alice.connected)
            // The status bar can be drawn at once.
            let status = try #require(await alice.next("system_status"))
            #expect(status["connected_clients"] == .number(1))
            #expect(status["active_sessions"] == .number(0))
            #expect(status["queued_sessions"] == .number(0))
            #expect(status["uptime_seconds"]?.doubleValue != nil)
            #expect(status["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)
            for client in [anonymous, forged, late, alice] { await client.socket.close() }
        }
    }

    @Test("subscribe answers with the session as stored; engineers only see their own sessions")
    func subscribeVisibility() async throws {
        let fixture = try await RealtimeFixture.make()
        defer { fixture.removeHome() }
        let mine = try await fixture.session(owner: "alice")
        let theirs = try await fixture.session(owner: "bob")
        let aliceToken = try await fixture.tokens.token("alice", .engineer)
        let viewerToken = try await fixture.tokens.token("carol", .viewer)
        let adminToken = try await fixture.tokens.token("dave", .admin)
        try await LiveServer.run(fixture.channel) { port in
            let alice = try await SocketIOTestClient.connect(port, token: aliceToken)
            let ok = try await alice.call("subscribe", #"{"session_id":"\#(mine.id)"}"#, id: 0).ack
            #expect(ok["ok"] == .bool(true))
            #expect(ok["session"]?["session_id"] == .string(mine.id))
            #expect(ok["session"]?["status"] == .string("pending"))
            #expect(ok["session"]?["owner"] == .string("alice"))
            #expect(ok["session"]?["created_at"]?.stringValue.flatMap(Timestamp.parse) != nil)

            let refused = try await alice.call("subscribe", #"{"session_id":"\#(theirs.id)"}"#, id: 1).ack
            #expect(refused["ok"] == .bool(false))
            #expect(refused["error"] == .string("forbidden"))

            let missing = try await alice.call("subscribe", #"{"session_id":"no-such-session"}"#, id: 2).ack
            #expect(missing["error"] == .string("not_found"))
            let invalid = try await alice.call("subscribe", "{}", id: 3).ack
            #expect(invalid["error"] == .string("validation_error"))
            let unknown = try await alice.call("explode", "{}", id: 4).ack
            #expect(unknown["error"] == .string("validation_error"))
            #expect(try await alice.call("unsubscribe", #"{"session_id":"\#(mine.id)"}"#, id: 5).ack["ok"] == .bool(true))

            for token in [viewerToken, adminToken] {
                let client = try await SocketIOTestClient.connect(port, token: token)
                #expect(try await client.call("subscribe", #"{"session_id":"\#(theirs.id)"}"#, id: 7).ack["ok"] == .bool(true))
                await client.socket.close()
            }
            await alice.socket.close()
        }
    }

    @Test("events recorded in the store reach subscribers in order; lifecycle events reach whoever may see the session")
    func eventRouting() async throws {
        let fixture = try await RealtimeFixture.make()
        defer { fixture.removeHome() }
        let mine = try await fixture.session(owner: "alice")
        let theirs = try await fixture.session(owner: "bob")
        let aliceToken = try await fixture.tokens.token("alice", .engineer)
        let bobToken = try await fixture.tokens.token("bob", .engineer)
        let viewerToken = try await fixture.tokens.token("carol", .viewer)
        let sessions = fixture.platform.sessions
        try await LiveServer.run(fixture.channel) { port in
            let alice = try await SocketIOTestClient.connect(port, token: aliceToken)
            let bob = try await SocketIOTestClient.connect(port, token: bobToken)
            let carol = try await SocketIOTestClient.connect(port, token: viewerToken)
            _ = try await alice.call("subscribe", #"{"session_id":"\#(mine.id)"}"#, id: 1)
            // Give the follower its starting point before anything is recorded.
            try await Task.sleep(for: .milliseconds(200))

            try await sessions.apply(.start, to: mine.id)
            try await sessions.apply(.progress(percentage: 40, step: "quantize", estimatedCompletion: nil), to: mine.id)
            let outcome = SessionOutcome(
                sizeReductionPercent: 70, speedImprovementPercent: 20, accuracyRetentionPercent: 99.5,
                results: .object(["output_model_path": .string("/tmp/out.onnx")]))
            try await sessions.apply(.complete(outcome), to: mine.id)
            try await sessions.apply(.start, to: theirs.id)

            let started = try #require(await alice.nextEvent())
            #expect(started.name == "session_started")
            #expect(started.payload["session_id"] == .string(mine.id))
            #expect(started.payload["model_name"] == .string("policy.onnx"))
            #expect(started.payload["techniques"] == .array([.string("quantize-int8")]))
            let progress = try #require(await alice.nextEvent())
            #expect(progress.name == "session_progress")
            #expect(progress.payload["progress_percentage"] == .number(40))
            #expect(progress.payload["current_step"] == .string("quantize"))
            #expect(progress.payload["estimated_completion"] == .null)
            let completed = try #require(await alice.nextEvent())
            #expect(completed.name == "session_completed")
            #expect(completed.payload["results"]?["size_reduction_percent"] == .number(70))
            #expect(completed.payload["results"]?["output_model_path"] == .string("/tmp/out.onnx"))
            #expect(completed.payload["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)

            // The viewer sees every lifecycle event but no progress (not subscribed).
            let seenByCarol = [await carol.nextEvent(), await carol.nextEvent(), await carol.nextEvent()].compactMap { $0 }
            #expect(seenByCarol.map(\.name) == ["session_started", "session_completed", "session_started"])
            #expect(seenByCarol.last?.payload["session_id"] == .string(theirs.id))

            // Bob sees only his own session.
            let seenByBob = try #require(await bob.nextEvent())
            #expect(seenByBob.name == "session_started")
            #expect(seenByBob.payload["session_id"] == .string(theirs.id))
            // And alice never hears of bob's.
            #expect(await alice.nextEvent(timeout: .milliseconds(300)) == nil)
            for client in [alice, bob, carol] { await client.socket.close() }
        }
    }

    @Test("a client that sends garbage is closed; the others keep receiving")
    func malformedClientIsolated() async throws {
        let fixture = try await RealtimeFixture.make()
        defer { fixture.removeHome() }
        let session = try await fixture.session(owner: "alice")
        let token = try await fixture.tokens.token("alice", .engineer)
        try await LiveServer.run(fixture.channel) { port in
            let good = try await SocketIOTestClient.connect(port, token: token)
            let bad = try await SocketIOTestClient.connect(port, token: token)
            _ = try await good.call("subscribe", #"{"session_id":"\#(session.id)"}"#, id: 1)
            try await bad.socket.send("42{}")
            #expect(await bad.socket.waitForClose())
            try await Task.sleep(for: .milliseconds(200))
            try await fixture.platform.sessions.apply(.start, to: session.id)
            #expect(await good.next("session_started")?["session_id"] == .string(session.id))
            await good.socket.close()
        }
    }

    @Test("system_status goes to every client periodically; an expired token or a removed user is disconnected")
    func periodicStatusAndExpiry() async throws {
        let fixture = try await RealtimeFixture.make(configuration: RealtimeFixture.configuration(statusInterval: .milliseconds(200)))
        defer { fixture.removeHome() }
        _ = try await fixture.session(owner: "alice")
        let lasting = try await fixture.tokens.token("alice", .admin)
        let carolToken = try await fixture.tokens.token("carol", .engineer)
        try await LiveServer.run(fixture.channel) { port in
            // A user removed while connected is disconnected at the next tick; the others stay.
            let carol = try await SocketIOTestClient.connect(port, token: carolToken)
            fixture.tokens.removed.value.insert("carol")
            var carolDisconnected = false
            while let text = await carol.socket.nextText(timeout: .seconds(10)) {
                if text == "41" { carolDisconnected = true; break }
            }
            #expect(carolDisconnected)
            await carol.socket.close()
            let admin = try await SocketIOTestClient.connect(port, token: lasting)
            // JWT expiry has whole seconds: three from now leaves at least two to connect in.
            let shortLived = try await fixture.tokens.token("bob", .viewer, expiresIn: 3)
            let viewer = try await SocketIOTestClient.connect(port, token: shortLived)
            // Periodic updates follow; one sent after both connected counts both.
            var periodic: [JSONValue] = []
            while periodic.count < 50, let status = await admin.next("system_status") {
                periodic.append(status)
                if status["connected_clients"] == .number(2) { break }
            }
            #expect(periodic.count >= 2)
            #expect(periodic.last?["connected_clients"] == .number(2))
            #expect(periodic.last?["queued_sessions"] == .number(1))
            // The viewer's token lapses: the server disconnects the namespace.
            var disconnected = false
            while let text = await viewer.socket.nextText(timeout: .seconds(10)) {
                if text == "41" { disconnected = true; break }
            }
            #expect(disconnected)
            await admin.socket.close()
            await viewer.socket.close()
        }
    }

    @Test("alerts: failure-rate spike, saturated run queue, and the database going away and coming back")
    func alerts() async throws {
        let source = ScriptedEventSource()
        let fixture = try await RealtimeFixture.make(
            configuration: RealtimeFixture.configuration(failureAlertMinimum: 3), events: source)
        defer { fixture.removeHome() }
        let token = try await fixture.tokens.token("dave", .admin)
        try await LiveServer.run(fixture.channel) { port in
            let admin = try await SocketIOTestClient.connect(port, token: token)
            _ = await admin.next("system_status")

            fixture.channel.reportRunQueue(waiting: 4, running: 2, workers: 2, limit: 4)
            let saturated = try #require(await admin.next("alert"))
            #expect(saturated["code"] == .string("queue_saturated"))
            #expect(saturated["level"] == .string("warning"))
            #expect(saturated["message"]?.stringValue?.contains("4 sessions waiting (limit 4)") == true)
            fixture.channel.reportRunQueue(waiting: 4, running: 2, workers: 2, limit: 4)  // still full: no second alert
            fixture.channel.reportRunQueue(waiting: 3, running: 2, workers: 2, limit: 4)
            #expect(await admin.next("alert")?["code"] == .string("queue_recovered"))

            for index in 0..<3 {
                await fixture.channel.publish(try Self.failedEvent("s\(index)"))
            }
            let spike = try #require(await admin.next("alert"))
            #expect(spike["code"] == .string("failure_rate_spike"))
            #expect(spike["message"]?.stringValue?.hasPrefix("3 of the last 3 sessions failed") == true)

            source.fail()
            let down = try #require(await admin.next("alert", timeout: .seconds(10)))
            #expect(down["code"] == .string("database_unavailable"))
            #expect(down["level"] == .string("critical"))
            let up = try #require(await admin.next("alert", timeout: .seconds(10)))
            #expect(up["code"] == .string("database_recovered"))
            #expect(up["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)
            await admin.socket.close()
        }
    }

    static func failedEvent(_ id: String) throws -> SessionEvent {
        let now = Date()
        let session = Session(id: id, modelID: "m", modelName: "m.onnx", techniques: [], owner: "x", createdAt: now, updatedAt: now)
        guard case let (_, event?) = try session.applying(.fail(type: .internal, message: "boom", outcome: nil), at: now) else {
            throw TestFailure("no event")
        }
        return event
    }
}

/// An event source the test controls: it fails once on request, then works again.
final class ScriptedEventSource: RealtimeEventSource {
    private let failures = SendableBox(0)
    private let continuations = SendableBox<[AsyncThrowingStream<StoredEvent, any Error>.Continuation]>([])

    struct Unavailable: Error {}

    func fail() {
        failures.value += 1
        for continuation in continuations.value { continuation.finish(throwing: Unavailable()) }
        continuations.value = []
    }

    func latestSequence() async throws -> Int64 { 0 }

    func events(after sequence: Int64) -> AsyncThrowingStream<StoredEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StoredEvent, any Error>.makeStream()
        continuations.value.append(continuation)
        return stream
    }
}
