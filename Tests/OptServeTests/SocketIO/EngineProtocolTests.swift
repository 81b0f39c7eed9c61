import Foundation
import Hummingbird
import NIOCore
@testable import OptServe
import Testing

/// Echoes every message, like the Engine.IO test suite's reference server; counts closes.
final class EchoEngine: EngineApplication, EngineSessionHandler {
    let session: EngineSession?
    let closes: SendableBox<[EngineCloseReason]>

    init(session: EngineSession? = nil, closes: SendableBox<[EngineCloseReason]> = SendableBox([])) {
        self.session = session
        self.closes = closes
    }

    func open(_ session: EngineSession) -> any EngineSessionHandler { EchoEngine(session: session, closes: closes) }

    func received(_ message: EngineMessage) async throws {
        switch message {
        case .text(let text): session?.send(text: text)
        case .binary(let data): session?.send([.message(data)])
        }
    }

    func closed(_ reason: EngineCloseReason) {
        closes.value.append(reason)
    }
}

/// Raw Engine.IO requests, including everything a well-behaved client never sends.
@Suite("Engine.IO protocol", .timeLimit(.minutes(1)))
struct EngineProtocolTests {
    static func echoServer(_ configuration: EngineConfiguration = LiveServer.configuration()) -> EngineServer {
        EngineServer(configuration: configuration, application: EchoEngine(), logger: LiveServer.logger)
    }

    static func errorCode(_ body: String) -> Int? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["code"] as? Int
    }

    @Test("the polling handshake advertises the session, the upgrade and the heartbeat")
    func pollingHandshake() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let response = try await http(port, .get, "/socket.io/?EIO=4&transport=polling&t=abc&custom=1")
            #expect(response.status == 200)
            #expect(response.headers[.contentType] == "text/plain; charset=UTF-8")
            #expect(response.body.hasPrefix("0"))
            let open = try #require(try JSONSerialization.jsonObject(with: Data(response.body.dropFirst().utf8)) as? [String: Any])
            #expect(Set(open.keys) == ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"])
            #expect(open["upgrades"] as? [String] == ["websocket"])
            #expect(open["pingInterval"] as? Int == 60_000)
            #expect(open["pingTimeout"] as? Int == 60_000)
            #expect(open["maxPayload"] as? Int == 1_000_000)
            // Without the trailing slash too.
            #expect(try await http(port, .get, "/socket.io?EIO=4&transport=polling").status == 200)
        }
    }

    @Test("a missing or wrong EIO, an unknown transport and a bad method are refused with the protocol's codes")
    func badHandshakes() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            for query in ["transport=polling", "EIO=3&transport=polling", "EIO=abc&transport=polling"] {
                let response = try await http(port, .get, "/socket.io/?" + query)
                #expect(response.status == 400)
                #expect(Self.errorCode(response.body) == 5, "\(query)")
            }
            for query in ["EIO=4", "EIO=4&transport=abc"] {
                let response = try await http(port, .get, "/socket.io/?" + query)
                #expect(response.status == 400)
                #expect(Self.errorCode(response.body) == 0, "\(query)")
            }
            for method in [HTTPRequest.Method.post, .put] {
                let response = try await http(port, method, "/socket.io/?EIO=4&transport=polling", body: "")
                #expect(response.status == 400)
                #expect(Self.errorCode(response.body) == 2)
            }
            // A plain GET asking for the WebSocket transport is not an upgrade.
            #expect(try await http(port, .get, "/socket.io/?EIO=4&transport=websocket").status == 400)
        }
    }

    @Test("an unknown sid is refused on both transports")
    func unknownSID() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let response = try await http(port, .get, "/socket.io/?EIO=4&transport=polling&sid=nope")
            #expect(response.status == 400)
            #expect(Self.errorCode(response.body) == 1)
            #expect(try await http(port, .post, "/socket.io/?EIO=4&transport=polling&sid=nope", body: "4x").status == 400)
            await #expect(throws: (any Error).self) {
                _ = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket&sid=nope")
            }
        }
    }

    @Test("messages posted in one body come back in one poll, text and binary")
    func pollingEcho() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await http(port, .post, url, body: "4hello\u{1e}4wörld\u{1e}bAQIDBA==")
            #expect(post.status == 200)
            #expect(post.body == "ok")
            #expect(try await http(port, .get, url).body == "4hello\u{1e}4wörld\u{1e}bAQIDBA==")
        }
    }

    @Test("a poll carries at most 16 packets; the rest wait for the next one")
    func pollPacketLimit() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let body = (0..<20).map { "4m\($0)" }.joined(separator: "\u{1e}")
            #expect(try await http(port, .post, url, body: body).status == 200)
            let first = try await http(port, .get, url).body.split(separator: "\u{1e}")
            let second = try await http(port, .get, url).body.split(separator: "\u{1e}")
            #expect(first.count == 16)
            #expect(first.first == "4m0")
            #expect(second == (16..<20).map { "4m\($0)"[...] })
        }
    }

    @Test("two concurrent polls close the session: the held one gets a close packet, the second a 400")
    func concurrentPolls() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            async let early = http(port, .get, url)
            try await Task.sleep(for: .milliseconds(50))
            let late = try await http(port, .get, url + "&t=burst")
            // Whichever poll reached the server first is the held one (on a loaded machine the
            // earlier request can arrive second): it gets the close packet, the other a 400.
            let replies = [try await early, late]
            #expect(replies.map(\.status).sorted() == [200, 400], "\(replies.map(\.status))")
            #expect(replies.first { $0.status == 200 }?.body == "1")
            #expect(try await http(port, .get, url).status == 400)
        }
    }

    @Test("a malformed polling body closes the session")
    func malformedPost() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            for body in ["abc", "", "4ok\u{1e}", "b!!!notbase64", "1extra"] {
                let sid = try await openPollingSession(port)
                let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
                #expect(try await http(port, .post, url, body: body).status == 400, "\(body.debugDescription)")
                #expect(try await http(port, .get, url).status == 400, "\(body.debugDescription)")
            }
        }
    }

    @Test("a body larger than maxPayload is refused with 413")
    func oversizedPost() async throws {
        try await LiveServer.run(Self.echoServer(LiveServer.configuration(maxPayload: 1000))) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let response = try await http(port, .post, url, body: "4" + String(repeating: "x", count: 2000))
            #expect(response.status == 413)
        }
    }

    @Test("a client that sends close gets its held poll answered with noop; later requests fail")
    func clientClose() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            // On a loaded machine the poll can reach the server after the close, and then finds
            // the session gone (400); a few tries give the intended order at least once.
            var answeredHeldPoll = false
            for _ in 0..<3 where !answeredHeldPoll {
                let sid = try await openPollingSession(port)
                let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
                async let held = http(port, .get, url)
                try await Task.sleep(for: .milliseconds(50))
                #expect(try await http(port, .post, url, body: "1").status == 200)
                let reply = try await held
                answeredHeldPoll = reply.status == 200
                #expect(reply.body == "6" || reply.status == 400, "\(reply.status) \(reply.body)")
                #expect(try await http(port, .get, url).status == 400)
            }
            #expect(answeredHeldPoll)
        }
    }

    /// Pings every 300 ms; clients that answer get seconds to do so, however loaded the machine
    /// running the tests.
    static let shortHeartbeat = LiveServer.configuration(pingInterval: .milliseconds(300), pingTimeout: .seconds(10))
    /// Pings every 300 ms and closes a client that has not answered 300 ms later.
    static let strictHeartbeat = LiveServer.configuration(pingInterval: .milliseconds(300), pingTimeout: .milliseconds(300))

    @Test("the server pings; a client that answers stays, one that never answers is closed")
    func pollingHeartbeat() async throws {
        try await LiveServer.run(Self.echoServer(Self.shortHeartbeat)) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            for _ in 0..<3 {
                #expect(try await http(port, .get, url).body == "2")
                #expect(try await http(port, .post, url, body: "3").status == 200)
            }
        }
        let closes = SendableBox<[EngineCloseReason]>([])
        let strict = EngineServer(configuration: Self.strictHeartbeat, application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(strict) { port in
            let sid = try await openPollingSession(port)
            // Never answering: after pingInterval + pingTimeout the session is gone.
            let deadline = ContinuousClock.now + .seconds(10)
            while !closes.value.contains(.pingTimeout), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(closes.value.contains(.pingTimeout))
            #expect(try await http(port, .get, "/socket.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        }
    }

    @Test("a ping from the client is a protocol error in v4")
    func clientPing() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            _ = try await http(port, .post, url, body: "2")
            #expect(try await http(port, .get, url).status == 400)
        }
    }

    @Test("a WebSocket session: handshake first, echo of text and binary, pings")
    func webSocketSession() async throws {
        try await LiveServer.run(Self.echoServer(Self.shortHeartbeat)) { port in
            let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            guard case .text(let open)? = await socket.next() else { throw TestFailure("no handshake") }
            #expect(open.hasPrefix("0"))
            #expect(open.contains("\"upgrades\":[]"))
            // A ping may come between an echo and its message however slowly the test runs;
            // each is answered, and at least one must come within the interval.
            var pings = 0
            func nextAnsweringPings() async throws -> RawWebSocket.Event? {
                while let event = await socket.next() {
                    guard event == .text("2") else { return event }
                    pings += 1
                    try await socket.send("3")
                }
                return nil
            }
            try await socket.send("4hello")
            #expect(try await nextAnsweringPings() == .text("4hello"))
            try await socket.send(binary: [1, 2, 3])
            #expect(try await nextAnsweringPings() == .binary([1, 2, 3]))
            // The client answered every ping, so the server keeps pinging.
            while pings < 2, await socket.next(timeout: .seconds(2)) == .text("2") {
                pings += 1
                try await socket.send("3")
            }
            #expect(pings >= 2)
            await socket.close()
        }
    }

    @Test("a WebSocket client that never answers pings is closed after pingInterval + pingTimeout")
    func webSocketPingTimeout() async throws {
        let closes = SendableBox<[EngineCloseReason]>([])
        let engine = EngineServer(configuration: Self.strictHeartbeat, application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(engine) { port in
            let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            #expect(await socket.waitForClose(timeout: .seconds(10)))
            #expect(closes.value == [.pingTimeout])
        }
    }

    @Test("a malformed WebSocket packet closes only its own connection")
    func malformedWebSocketPacket() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let bad = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            let good = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            _ = await bad.next()
            _ = await good.next()
            try await bad.send("abc")
            #expect(await bad.waitForClose())
            try await good.send("4still here")
            #expect(await good.nextText() == "4still here")
            await good.close()
        }
    }

    @Test("upgrade: polls during the probe get noop each time, then the WebSocket carries the session")
    func upgradeWithRepeatedPolls() async throws {
        try await LiveServer.run(Self.echoServer()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            // A message queued before the upgrade must arrive over the WebSocket afterwards.
            async let held = http(port, .get, url)
            try await Task.sleep(for: .milliseconds(30))
            let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket&sid=\(sid)")
            try await socket.send("2probe")
            #expect(await socket.next() == .text("3probe"))
            #expect(try await held.body == "6")
            for _ in 0..<3 {
                #expect(try await http(port, .get, url).body == "6")
            }
            #expect(try await http(port, .post, url, body: "4before upgrade").status == 200)
            try await socket.send("5")
            #expect(await socket.nextText() == "4before upgrade")
            #expect(try await http(port, .get, url).status == 400)
            try await socket.send("4after")
            #expect(await socket.nextText() == "4after")
            // A second WebSocket for the upgraded sid cannot probe (the server closes it; the
            // conformance suite checks the close itself); the first carries on.
            let second = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket&sid=\(sid)")
            try? await second.send("2probe")
            #expect(await second.next(timeout: .seconds(1)) != .text("3probe"))
            try await socket.send("4still upgraded")
            #expect(await socket.nextText() == "4still upgraded")
            await socket.close()
        }
    }

    @Test("a probe that never sends the upgrade packet is dropped; polling carries on")
    func upgradeTimeout() async throws {
        // The timeout counts from the upgrade, on the server: long enough for a test client on
        // a loaded machine to send its probe.
        let engine = Self.echoServer(LiveServer.configuration(upgradeTimeout: .seconds(2)))
        try await LiveServer.run(engine) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket&sid=\(sid)")
            try await socket.send("2probe")
            #expect(await socket.next() == .text("3probe"))
            #expect(await socket.waitForClose(timeout: .seconds(10)))
            #expect(try await http(port, .post, url, body: "4still polling").status == 200)
            #expect(try await http(port, .get, url).body == "4still polling")
        }
    }

    @Test("connections beyond maxConnections are refused; so are bursts beyond the rate limit")
    func connectionLimits() async throws {
        try await LiveServer.run(Self.echoServer(LiveServer.configuration(maxConnections: 2))) { port in
            _ = try await openPollingSession(port)
            _ = try await openPollingSession(port)
            let refused = try await http(port, .get, "/socket.io/?EIO=4&transport=polling")
            #expect(refused.status == 503)
            await #expect(throws: (any Error).self) {
                _ = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            }
        }
        try await LiveServer.run(Self.echoServer(LiveServer.configuration(rate: 0.1, burst: 3))) { port in
            for _ in 0..<3 { _ = try await openPollingSession(port) }
            let limited = try await http(port, .get, "/socket.io/?EIO=4&transport=polling")
            #expect(limited.status == 429)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test("a client that falls too far behind is disconnected")
    func slowClientOverflow() async throws {
        let closes = SendableBox<[EngineCloseReason]>([])
        let configuration = LiveServer.configuration(clientBufferLimit: 4096)
        let engine = EngineServer(configuration: configuration, application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(engine) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            // The client posts but never polls: its echoes pile up beyond the limit.
            let chunk = "4" + String(repeating: "x", count: 1000)
            for _ in 0..<5 { _ = try await http(port, .post, url, body: chunk) }
            #expect(closes.value == [.slowClient])
            #expect(try await http(port, .get, url).status == 400)
        }
    }

    @Test("shutting down closes every client: held polls get a close packet, WebSockets a close frame")
    func shutdownClosesClients() async throws {
        let engine = Self.echoServer()
        let held = SendableBox<String?>(nil)
        let socket = SendableBox<RawWebSocket?>(nil)
        let poller = SendableBox<Task<Void, Never>?>(nil)
        try await LiveServer.run(engine) { port in
            let sid = try await openPollingSession(port)
            poller.value = Task {
                held.value = try? await http(port, .get, "/socket.io/?EIO=4&transport=polling&sid=\(sid)").body
            }
            socket.value = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
            _ = await socket.value?.next()
            while engine.session(sid)?.holdsPoll != true { try await Task.sleep(for: .milliseconds(10)) }
        }
        await poller.value?.value
        #expect(held.value == "1")
        #expect(await socket.value?.waitForClose(timeout: .seconds(5)) == true)
        #expect(engine.sessionCount == 0)
    }
}
