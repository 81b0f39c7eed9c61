import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
@testable import OptServe
import ServiceLifecycle
import Synchronization

/// Runs an Engine.IO endpoint on a real socket (port chosen by the system) for one test, the
/// way `optctl serve` mounts it: polling routes on the router, the upgrade in the server
/// builder, the endpoint as a service.
enum LiveServer {
    static let logger: Logger = {
        var logger = Logger(label: "socketio-tests")
        logger.logLevel = .critical
        return logger
    }()

    /// Limits out of the way and a heartbeat long enough that raw clients, which do not
    /// answer pings, stay connected however slowly parallel tests run; heartbeat tests pass
    /// short durations.
    static func configuration(
        pingInterval: Duration = .seconds(60), pingTimeout: Duration = .seconds(60),
        maxPayload: Int = 1_000_000, maxConnections: Int = 1000, rate: Double = 10_000, burst: Int = 10_000,
        clientBufferLimit: Int = 1 << 20, upgradeTimeout: Duration = .seconds(10)
    ) -> EngineConfiguration {
        EngineConfiguration(
            path: "/socket.io", pingInterval: pingInterval, pingTimeout: pingTimeout, maxPayload: maxPayload,
            maxConnections: maxConnections, connectionRatePerSecond: rate, connectionBurst: burst,
            clientBufferLimit: clientBufferLimit, upgradeTimeout: upgradeTimeout, closeTimeout: .seconds(1))
    }

    static func run<Value: Sendable>(
        _ engine: EngineServer,
        extraServices: [any Service] = [],
        _ body: @escaping @Sendable (Int) async throws -> Value
    ) async throws -> Value {
        let router = Router()
        engine.addRoutes(to: router)
        let app = Application(
            router: router,
            server: .engineIO([engine]),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: [engine] + extraServices,
            logger: logger)
        return try await app.test(.live) { client in
            try await body(client.port!)
        }
    }

    /// Runs the real-time channel as `optctl serve` will.
    static func run<Value: Sendable>(
        _ channel: RealtimeChannel,
        _ body: @escaping @Sendable (Int) async throws -> Value
    ) async throws -> Value {
        let router = Router()
        channel.addRoutes(to: router)
        let app = Application(
            router: router,
            server: .engineIO([channel.engine]),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: [channel],
            logger: logger)
        return try await app.test(.live) { client in
            try await body(client.port!)
        }
    }
}

/// One HTTP request on its own connection, so that tests can hold a poll and send another.
func http(
    _ port: Int, _ method: HTTPRequest.Method, _ path: String, body: String? = nil
) async throws -> (status: Int, body: String, headers: HTTPFields) {
    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
        let response = try await client.execute(
            .init(path, method: method, headers: [:], body: body.map { ByteBuffer(string: $0) }))
        return (Int(response.status.code), response.body.map { String(buffer: $0) } ?? "", response.headers)
    }
}

/// The sid of a new polling session (the handshake's first packet).
func openPollingSession(_ port: Int, path: String = "/socket.io/") async throws -> String {
    let response = try await http(port, .get, path + "?EIO=4&transport=polling")
    guard response.status == 200, response.body.hasPrefix("0"),
          let open = try? JSONSerialization.jsonObject(with: Data(response.body.dropFirst().utf8)) as? [String: Any],
          let sid = open["sid"] as? String
    else { throw TestFailure("bad handshake: \(response.status) \(response.body)") }
    return sid
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Messages that arrive from another task, read one at a time with a timeout.
final class Inbox<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
        var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>)?
        var nextWaiterID = 0
    }

    private enum Outcome {
        case item(Element), none, wait(Int)
    }

    private let state = Mutex(State())

    func push(_ item: Element) {
        let waiter = state.withLock { s -> CheckedContinuation<Element?, Never>? in
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter.continuation
            }
            s.items.append(item)
            return nil
        }
        waiter?.resume(returning: item)
    }

    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Element?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter?.continuation
        }
        waiter?.resume(returning: nil)
    }

    /// The next item; nil once finished and drained, or when nothing came within `timeout`.
    func next(timeout: Duration) async -> Element? {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { s -> Outcome in
                if !s.items.isEmpty { return .item(s.items.removeFirst()) }
                if s.finished { return .none }
                s.nextWaiterID += 1
                s.waiter = (s.nextWaiterID, continuation)
                return .wait(s.nextWaiterID)
            }
            switch outcome {
            case .item(let item): continuation.resume(returning: item)
            case .none: continuation.resume(returning: nil)
            case .wait(let id):
                Task {
                    try? await Task.sleep(for: timeout)
                    let expired = self.state.withLock { s -> CheckedContinuation<Element?, Never>? in
                        guard let waiter = s.waiter, waiter.id == id else { return nil }
                        s.waiter = nil
                        return waiter.continuation
                    }
                    expired?.resume(returning: nil)
                }
            }
        }
    }
}

/// A raw WebSocket client: what arrives is collected in order; the test sends what it likes,
/// including what good clients never send.
final class RawWebSocket: Sendable {
    enum Event: Equatable, Sendable {
        case text(String)
        case binary([UInt8])
    }

    private let inbox = Inbox<Event>()
    private let opened = Inbox<WebSocketOutboundWriter>()
    private let task: Task<Void, any Error>
    private let writer = SendableBox<WebSocketOutboundWriter?>(nil)
    private let isClosed = SendableBox(false)
    private let closedSignal = Inbox<Bool>()

    /// Connects; throws when the server refuses the upgrade.
    static func connect(_ port: Int, query: String, path: String = "/socket.io/") async throws -> RawWebSocket {
        let socket = RawWebSocket(url: "ws://127.0.0.1:\(port)\(path)?\(query)")
        try await socket.waitUntilOpen()
        return socket
    }

    private init(url: String) {
        let inbox = self.inbox
        let opened = self.opened
        let isClosed = self.isClosed
        let closedSignal = self.closedSignal
        task = Task {
            defer {
                inbox.finish()
                opened.finish()
                isClosed.value = true
                closedSignal.push(true)
            }
            try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 21, autoPing: .disabled), logger: LiveServer.logger
            ) { inbound, outbound, _ in
                opened.push(outbound)
                for try await message in inbound.messages(maxSize: 1 << 21) {
                    switch message {
                    case .text(let text): inbox.push(.text(text))
                    case .binary(let data): inbox.push(.binary(Array(data.readableBytesView)))
                    }
                }
            }
        }
    }

    private func waitUntilOpen() async throws {
        if let writer = await opened.next(timeout: .seconds(10)) {
            self.writer.value = writer
            return
        }
        try await task.value
        throw TestFailure("the WebSocket closed before opening")
    }

    func send(_ text: String) async throws {
        try await writer.value?.write(.text(text))
    }

    func send(binary: [UInt8]) async throws {
        try await writer.value?.write(.binary(ByteBuffer(bytes: binary)))
    }

    /// The next message, or nil when the connection closed (or nothing came within `timeout`).
    func next(timeout: Duration = .seconds(5)) async -> Event? {
        await inbox.next(timeout: timeout)
    }

    /// The next text message that is not a ping.
    func nextText(timeout: Duration = .seconds(5)) async -> String? {
        while let event = await next(timeout: timeout) {
            if case .text(let text) = event, text != "2" { return text }
        }
        return nil
    }

    /// Waits until the server closes the connection; true if it did within `timeout`.
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        if isClosed.value { return true }
        _ = await closedSignal.next(timeout: timeout)
        return isClosed.value
    }

    func close() async {
        try? await writer.value?.close(.normalClosure, reason: nil)
        _ = await waitForClose(timeout: .seconds(2))
        task.cancel()
    }
}

/// A value shared between tasks of one test.
final class SendableBox<Value: Sendable>: Sendable {
    private let stored: Mutex<Value>

    init(_ value: Value) { stored = Mutex(value) }

    var value: Value {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
