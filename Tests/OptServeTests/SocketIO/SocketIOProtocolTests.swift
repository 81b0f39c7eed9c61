import Foundation
import NIOCore
import OptKit
@testable import OptServe
import Testing

/// A namespace like the Socket.IO test suite's: echoes auth on connect, `message` back as
/// `message-back`, and acknowledges `message-with-ack` with its arguments.
struct EchoNamespace: SocketIONamespaceHandler {
    func authorize(_ handshake: SocketIOHandshake) async -> SocketIOAuthorization {
        if handshake.auth["token"] == .string("refuse") {
            return .refuse(message: "not you", data: .object(["code": .string("unauthorized")]))
        }
        return .accept(context: handshake.auth)
    }

    func connected(_ socket: SocketIOSocket) async {
        socket.emit("auth", [socket.context as? JSONValue ?? .null])
    }

    func received(_ event: SocketIOEvent, from socket: SocketIOSocket) async {
        switch event.name {
        case "message": socket.emit("message-back", event.arguments, attachments: event.attachments)
        case "message-with-ack": event.ack?.send(event.arguments, attachments: event.attachments)
        default: break
        }
    }

    func disconnected(_ socket: SocketIOSocket, reason: SocketIODisconnectReason) {}
}

@Suite("Socket.IO protocol", .timeLimit(.minutes(1)))
struct SocketIOProtocolTests {
    static func server(connectTimeout: Duration = .seconds(10)) -> EngineServer {
        let socketIO = SocketIOServer(
            namespaces: [
                SocketIONamespace(name: "/", handler: EchoNamespace()),
                SocketIONamespace(name: "/custom", handler: EchoNamespace()),
            ],
            connectTimeout: connectTimeout, logger: LiveServer.logger)
        return EngineServer(
            configuration: LiveServer.configuration(),
            application: socketIO, logger: LiveServer.logger)
    }

    /// A WebSocket past the Engine.IO handshake.
    static func socket(_ port: Int) async throws -> RawWebSocket {
        let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
        guard let open = await socket.nextText(), open.hasPrefix("0") else { throw TestFailure("no Engine.IO handshake") }
        return socket
    }

    static func sid(_ connect: String?, prefix: String) -> String? {
        guard let connect, connect.hasPrefix(prefix),
              let object = try? JSONSerialization.jsonObject(with: Data(connect.dropFirst(prefix.count).utf8)) as? [String: Any]
        else { return nil }
        return object["sid"] as? String
    }

    @Test("CONNECT to the default and a custom namespace, with and without auth, each with its own sid")
    func connect() async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send("40")
            let main = Self.sid(await socket.nextText(), prefix: "40")
            #expect(main != nil)
            #expect(await socket.nextText() == #"42["auth",{}]"#)
            try await socket.send(#"40/custom,{"token":"abc"}"#)
            let custom = Self.sid(await socket.nextText(), prefix: "40/custom,")
            #expect(custom != nil)
            #expect(custom != main)
            #expect(await socket.nextText() == #"42/custom,["auth",{"token":"abc"}]"#)
            await socket.close()
        }
    }

    @Test("an unknown namespace and a refused auth get CONNECT_ERROR; the connection stays")
    func connectErrors() async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send("40/random")
            #expect(await socket.nextText() == #"44/random,{"message":"Invalid namespace"}"#)
            try await socket.send(#"40{"token":"refuse"}"#)
            #expect(await socket.nextText() == #"44{"data":{"code":"unauthorized"},"message":"not you"}"#)
            try await socket.send("40")
            #expect(Self.sid(await socket.nextText(), prefix: "40") != nil)
            await socket.close()
        }
    }

    @Test("plain events, acks (id 0 included) and binary attachments round-trip")
    func events() async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send("40")
            _ = await socket.nextText()
            _ = await socket.nextText()
            try await socket.send(#"42["message",1,"2",{"3":[true]}]"#)
            #expect(await socket.nextText() == #"42["message-back",1,"2",{"3":[true]}]"#)
            try await socket.send(#"420["message-with-ack",1.5,null]"#)
            #expect(await socket.nextText() == "430[1.5,null]")
            try await socket.send(#"452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
            try await socket.send(binary: [1, 2, 3])
            try await socket.send(binary: [4, 5, 6])
            #expect(await socket.nextText() == #"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
            #expect(await socket.next() == .binary([1, 2, 3]))
            #expect(await socket.next() == .binary([4, 5, 6]))
            await socket.close()
        }
    }

    @Test("disconnecting one namespace keeps the others and the connection")
    func namespaceDisconnect() async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send("40")
            _ = await socket.nextText()
            _ = await socket.nextText()
            try await socket.send("40/custom")
            _ = await socket.nextText()
            _ = await socket.nextText()
            try await socket.send("41/custom")
            try await socket.send(#"42["message","still main"]"#)
            #expect(await socket.nextText() == #"42["message-back","still main"]"#)
            // An event for the namespace it left is a protocol error.
            try await socket.send(#"42/custom,["message","x"]"#)
            #expect(await socket.waitForClose())
        }
    }

    @Test("malformed packets close the connection", arguments: [
        "4abc", "42{}", #"42abc["message-with-ack",1]"#, "47", #"452-["m",{"_placeholder":true,"num":0}]"#,
    ])
    func malformed(_ packet: String) async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send("40")
            _ = await socket.nextText()
            _ = await socket.nextText()
            try await socket.send(packet)
            if packet.hasPrefix("452-") {
                // Text where the second attachment should be.
                try await socket.send(binary: [1])
                try await socket.send("42[\"message\"]")
            }
            #expect(await socket.waitForClose(), "\(packet)")
        }
    }

    @Test("an event before CONNECT is a protocol error")
    func eventBeforeConnect() async throws {
        try await LiveServer.run(Self.server()) { port in
            let socket = try await Self.socket(port)
            try await socket.send(#"42["message","x"]"#)
            #expect(await socket.waitForClose())
        }
    }

    @Test("a connection that never sends CONNECT is closed after the connect timeout")
    func connectTimeout() async throws {
        try await LiveServer.run(Self.server(connectTimeout: .milliseconds(300))) { port in
            let socket = try await Self.socket(port)
            #expect(await socket.waitForClose(timeout: .seconds(5)))
        }
    }

    @Test("over long-polling, a binary event and its attachments travel in one body")
    func pollingBinary() async throws {
        try await LiveServer.run(Self.server()) { port in
            let sid = try await openPollingSession(port)
            let url = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            #expect(try await http(port, .post, url, body: "40").status == 200)
            let connected = try await http(port, .get, url).body.split(separator: "\u{1e}")
            #expect(connected.count == 2)
            #expect(connected.last == #"42["auth",{}]"#)
            let body = #"451-["message",{"_placeholder":true,"num":0}]"# + "\u{1e}bAQID"
            #expect(try await http(port, .post, url, body: body).status == 200)
            #expect(try await http(port, .get, url).body == #"451-["message-back",{"_placeholder":true,"num":0}]"# + "\u{1e}bAQID")
        }
    }
}
