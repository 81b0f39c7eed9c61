// The Engine.IO and Socket.IO endpoints configured as the test suites of
// socketio/engine.io-protocol and socketio/socket.io-protocol expect (their READMEs):
// port 3000, ping every 300 ms with 200 ms to answer, 1 MB payloads, Socket.IO connect
// timeout 1 s; an Engine.IO echo at /engine.io/, and at /socket.io/ a default namespace that
// emits `auth` on connect, answers `message` with `message-back` and acknowledges
// `message-with-ack` with its arguments, plus a /custom namespace that emits `auth`.
//
//   swift run socketio-conformance [--host HOST] [--port PORT]
//
// scripts/socketio-conformance starts it and runs both suites. Not part of optctl.
import Foundation
import Hummingbird
import Logging
import NIOCore
import OptKit
import OptServe

/// Engine.IO level echo: every message goes back as it came.
final class EchoApplication: EngineApplication, EngineSessionHandler {
    private let session: EngineSession?

    init(session: EngineSession? = nil) {
        self.session = session
    }

    func open(_ session: EngineSession) -> any EngineSessionHandler {
        EchoApplication(session: session)
    }

    func received(_ message: EngineMessage) async throws {
        switch message {
        case .text(let text): session?.send(text: text)
        case .binary(let data): session?.send([.message(data)])
        }
    }

    func closed(_ reason: EngineCloseReason) {}
}

/// The namespaces of the Socket.IO suite: anyone may connect; the auth payload is echoed.
struct SuiteNamespace: SocketIONamespaceHandler {
    let echoes: Bool

    func authorize(_ handshake: SocketIOHandshake) async -> SocketIOAuthorization {
        .accept(context: handshake.auth)
    }

    func connected(_ socket: SocketIOSocket) async {
        socket.emit("auth", [socket.context as? JSONValue ?? .object([:])])
    }

    func received(_ event: SocketIOEvent, from socket: SocketIOSocket) async {
        guard echoes else { return }
        switch event.name {
        case "message":
            socket.emit("message-back", event.arguments, attachments: event.attachments)
        case "message-with-ack":
            event.ack?.send(event.arguments, attachments: event.attachments)
        default:
            break
        }
    }

    func disconnected(_ socket: SocketIOSocket, reason: SocketIODisconnectReason) {}
}

var host = "::"
var port = 3000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": host = arguments.next() ?? host
    case "--port": port = arguments.next().flatMap(Int.init) ?? port
    default:
        FileHandle.standardError.write(Data("usage: socketio-conformance [--host HOST] [--port PORT]\n".utf8))
        exit(64)
    }
}

var logger = Logger(label: "socketio-conformance")
logger.logLevel = .notice

func suiteConfiguration(path: String) -> EngineConfiguration {
    EngineConfiguration(
        path: path, pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200), maxPayload: 1_000_000,
        connectionRatePerSecond: 10_000, connectionBurst: 10_000)
}

let engineEcho = EngineServer(configuration: suiteConfiguration(path: "/engine.io"), application: EchoApplication(), logger: logger)
let socketIO = EngineServer(
    configuration: suiteConfiguration(path: "/socket.io"),
    application: SocketIOServer(
        namespaces: [
            SocketIONamespace(name: "/", handler: SuiteNamespace(echoes: true)),
            SocketIONamespace(name: "/custom", handler: SuiteNamespace(echoes: false)),
        ],
        connectTimeout: .seconds(1), logger: logger),
    logger: logger)

let router = Router()
engineEcho.addRoutes(to: router)
socketIO.addRoutes(to: router)

let app = Application(
    router: router,
    server: .engineIO([engineEcho, socketIO]),
    configuration: .init(address: .hostname(host, port: port), serverName: "optctl-socketio-conformance"),
    services: [engineEcho, socketIO],
    logger: logger)
try await app.runService()
