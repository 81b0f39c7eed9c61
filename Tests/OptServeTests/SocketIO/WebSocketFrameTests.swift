import Foundation
import NIOCore
import NIOPosix
@testable import OptServe
import Testing

/// The WebSocket protocol below Engine.IO, with frames written byte by byte: what
/// `EngineWebSocketHandler` must do that good clients rarely or never exercise (fragments,
/// pings, bad UTF-8, oversized messages, the close handshake), and the upgrade itself.
@Suite("WebSocket frames", .timeLimit(.minutes(1)))
struct WebSocketFrameTests {
    static func echo(maxPayload: Int = 1_000_000) -> EngineServer {
        EngineProtocolTests.echoServer(LiveServer.configuration(maxPayload: maxPayload))
    }

    @Test("fragments are joined into one message; pings, also between fragments, are answered with their payload")
    func fragmentsAndPings() async throws {
        try await LiveServer.run(Self.echo()) { port in
            let client = try await RawFrameClient.upgraded(port)
            try await client.send(.frame(opcode: 0x1, fin: false, "4hel"))
            try await client.send(.frame(opcode: 0x9, "are you there"))
            try await client.send(.frame(opcode: 0x0, fin: false, "lo, "))
            try await client.send(.frame(opcode: 0x0, "wörld"))
            #expect(await client.nextFrame() == .init(opcode: 0xA, payload: Array("are you there".utf8)))
            #expect(await client.nextFrame() == .init(opcode: 0x1, payload: Array("4hello, wörld".utf8)))
            try await client.send(.frame(opcode: 0x2, fin: false, [1, 2]))
            try await client.send(.frame(opcode: 0x0, [3]))
            #expect(await client.nextFrame() == .init(opcode: 0x2, payload: [1, 2, 3]))
        }
    }

    @Test("many messages in one write all come back, in order")
    func burst() async throws {
        try await LiveServer.run(Self.echo()) { port in
            let client = try await RawFrameClient.upgraded(port)
            let count = 200
            try await client.send((0..<count).flatMap { RawFrameClient.frame(opcode: 0x1, "4message \($0)") })
            for index in 0..<count {
                let frame = await client.nextFrame()
                #expect(frame == .init(opcode: 0x1, payload: Array("4message \(index)".utf8)))
                if frame == nil { break }
            }
        }
    }

    @Test("protocol violations close the connection with the RFC's code", arguments: [
        ("invalid UTF-8 text", RawFrameClient.frame(opcode: 0x1, [0x34, 0xC3, 0x28]), 1007),
        ("an unmasked frame", RawFrameClient.frame(opcode: 0x1, "4hi", masked: false), 1002),
        ("a continuation with nothing to continue", RawFrameClient.frame(opcode: 0x0, "4hi"), 1002),
        ("a reserved opcode", RawFrameClient.frame(opcode: 0x3, "4hi"), 1002),
        ("a reserved bit", RawFrameClient.frame(opcode: 0x1, "4hi", reservedBits: 0x40), 1002),
        ("a message over maxPayload", RawFrameClient.frame(opcode: 0x1, String(repeating: "x", count: 101)), 1009),
        ("fragments adding up to more than maxPayload",
         RawFrameClient.frame(opcode: 0x1, fin: false, String(repeating: "x", count: 60))
            + RawFrameClient.frame(opcode: 0x0, String(repeating: "x", count: 60)), 1009),
    ])
    func violations(_ what: String, _ bytes: [UInt8], _ code: Int) async throws {
        try await LiveServer.run(Self.echo(maxPayload: 100)) { port in
            let client = try await RawFrameClient.upgraded(port)
            try await client.send(bytes)
            #expect(await client.nextFrame() == .close(code), "\(what)")
            #expect(await client.waitForEnd(), "\(what)")
        }
    }

    @Test("the client's close frame is answered with a close frame, then the connection ends", arguments: [
        (1000, 1000), (4001, 1000), (1005, 1002), (999, 1002),
    ])
    func clientClose(_ sent: Int, _ answer: Int) async throws {
        let closes = SendableBox<[EngineCloseReason]>([])
        let engine = EngineServer(configuration: LiveServer.configuration(), application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(engine) { port in
            let client = try await RawFrameClient.upgraded(port)
            try await client.send(.frame(opcode: 0x8, [UInt8(sent >> 8), UInt8(sent & 0xFF)]))
            #expect(await client.nextFrame() == .close(answer))
            #expect(await client.waitForEnd())
            #expect(closes.value == [.clientClosed])
        }
    }

    @Test("a client that ends its TCP connection without a close frame ends its session at once")
    func clientGoesAway() async throws {
        let closes = SendableBox<[EngineCloseReason]>([])
        let engine = EngineServer(configuration: LiveServer.configuration(), application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(engine) { port in
            let client = try await RawFrameClient.upgraded(port)
            try await client.endOutput()
            #expect(await client.waitForEnd())
            #expect(closes.value == [.clientClosed])
            #expect(engine.sessionCount == 0)
        }
    }

    @Test("a server close sends one close frame and ends the connection; the client's answer is taken")
    func serverClose() async throws {
        let engine = Self.echo()
        try await LiveServer.run(engine) { port in
            let client = try await RawFrameClient.upgraded(port)
            engine.closeAll(.serverClosed)
            #expect(await client.nextFrame() == .close(1001))
            try await client.send(.frame(opcode: 0x8, [0x03, 0xE8]))
            #expect(await client.waitForEnd())
            #expect(await client.nextFrame() == nil)
        }
    }

    @Test("a WebSocket client that stops reading is disconnected once its buffer overflows")
    func stalledReader() async throws {
        let closes = SendableBox<[EngineCloseReason]>([])
        var configuration = LiveServer.configuration(clientBufferLimit: 64 << 10)
        configuration.writeWindow = 16 << 10
        let engine = EngineServer(configuration: configuration, application: EchoEngine(closes: closes), logger: LiveServer.logger)
        try await LiveServer.run(engine) { port in
            let client = try await RawFrameClient.upgraded(port)
            try await client.stopReading()
            // Echoes of 20 MB: more than the kernel's socket buffers, the write window and the
            // client buffer together.
            let message = RawFrameClient.frame(opcode: 0x1, Array("4".utf8) + Array(repeating: UInt8(ascii: "x"), count: 100_000), maskKey: [0, 0, 0, 0])
            for _ in 0..<200 where closes.value.isEmpty {
                try? await client.send(message)
            }
            for _ in 0..<100 where closes.value.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            #expect(closes.value == [.slowClient])
        }
    }

    @Test("an upgrade asked on a connection that already served a request is redirected to a new one")
    func lateUpgrade() async throws {
        try await LiveServer.run(Self.echo()) { port in
            let client = try await RawFrameClient.connect(port)
            try await client.send(Array("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let first = await client.nextHTTPResponse()
            #expect(first?.hasPrefix("HTTP/1.1 200") == true)
            try await client.send(RawFrameClient.upgradeRequest)
            let second = await client.nextHTTPResponse()
            #expect(second?.hasPrefix("HTTP/1.1 307") == true)
            #expect(second?.lowercased().contains("location: /socket.io/?eio=4&transport=websocket") == true)
        }
    }
}

/// A TCP client that speaks WebSocket frames by hand.
final class RawFrameClient: Sendable {
    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]

        static func close(_ code: Int) -> Frame { Frame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
    }

    static let upgradeRequest = Array((
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)

    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let chunks = Inbox<ByteBuffer>()
    private let pending = SendableBox<[UInt8]>([])
    /// The server ended its side of the connection.
    private let ended = SendableBox(false)
    private let release = Inbox<Bool>()

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        let (chunks, ended, release) = (self.chunks, self.ended, self.release)
        Task {
            try? await channel.executeThenClose { inbound, _ in
                do {
                    for try await chunk in inbound { chunks.push(chunk) }
                } catch {}
                ended.value = true
                chunks.finish()
                // Still open for writing (a close frame after the server's) until released.
                _ = await release.next(timeout: .seconds(30))
            }
        }
    }

    deinit { release.push(true) }

    static func connect(_ port: Int) async throws -> RawFrameClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawFrameClient(channel: channel)
    }

    /// Connected and upgraded, with the Engine.IO open packet read.
    static func upgraded(_ port: Int) async throws -> RawFrameClient {
        let client = try await connect(port)
        try await client.send(upgradeRequest)
        guard let response = await client.nextHTTPResponse(), response.hasPrefix("HTTP/1.1 101") else {
            throw TestFailure("no upgrade")
        }
        guard let open = await client.nextFrame(), open.opcode == 0x1, open.payload.first == UInt8(ascii: "0") else {
            throw TestFailure("no open packet")
        }
        return client
    }

    /// Stops reading from the socket: what the server sends piles up in the kernel's buffers.
    func stopReading() async throws {
        try await channel.channel.setOption(ChannelOptions.autoRead, value: false)
    }

    /// Half-closes the connection: the server reads the end, with no close frame.
    func endOutput() async throws {
        try await channel.channel.close(mode: .output)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// A client frame: masked unless told otherwise.
    static func frame(
        opcode: UInt8, fin: Bool = true, _ payload: [UInt8], masked: Bool = true, reservedBits: UInt8 = 0,
        maskKey key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | reservedBits | opcode]
        let mask: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(mask | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.append(mask | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(mask | 127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        // A zero key leaves the payload as it is (quick for large test messages).
        if key == [0, 0, 0, 0] { return bytes + key + payload }
        return bytes + key + payload.enumerated().map { $1 ^ key[$0 % 4] }
    }

    static func frame(opcode: UInt8, fin: Bool = true, _ text: String, masked: Bool = true, reservedBits: UInt8 = 0) -> [UInt8] {
        frame(opcode: opcode, fin: fin, Array(text.utf8), masked: masked, reservedBits: reservedBits)
    }

    /// Reads until `enough` says how many pending bytes make a whole item; nil on end or timeout.
    private func take(_ enough: ([UInt8]) -> Int?) async -> [UInt8]? {
        while true {
            var buffer = pending.value
            if let count = enough(buffer) {
                pending.value = Array(buffer[count...])
                return Array(buffer[..<count])
            }
            guard let chunk = await chunks.next(timeout: .seconds(5)) else { return nil }
            buffer += chunk.readableBytesView
            pending.value = buffer
        }
    }

    /// The next HTTP response head (its body, sized by Content-Length, is read and dropped).
    func nextHTTPResponse() async -> String? {
        let bytes = await take { bytes in
            guard bytes.count >= 4 else { return nil }
            for end in 3..<bytes.count where bytes[end - 3 ... end] == [13, 10, 13, 10] { return end + 1 }
            return nil
        }
        guard let bytes else { return nil }
        let head = String(decoding: bytes, as: UTF8.self)
        let length = head.lowercased().split(separator: "\r\n")
            .first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        if length > 0, await take({ $0.count >= length ? length : nil }) == nil { return nil }
        return head
    }

    /// The next server frame (unmasked, payloads under 64 KiB).
    func nextFrame() async -> Frame? {
        let bytes = await take { bytes in
            guard bytes.count >= 2 else { return nil }
            var length = Int(bytes[1] & 0x7F)
            var start = 2
            if length == 126 {
                guard bytes.count >= 4 else { return nil }
                length = Int(bytes[2]) << 8 | Int(bytes[3])
                start = 4
            }
            return bytes.count >= start + length ? start + length : nil
        }
        guard let bytes else { return nil }
        return Frame(opcode: bytes[0] & 0x0F, payload: Array(bytes[(bytes[1] & 0x7F == 126 ? 4 : 2)...]))
    }

    /// True once the server ended the connection (within 5 s), whatever else arrives first.
    func waitForEnd() async -> Bool {
        while await chunks.next(timeout: .seconds(5)) != nil {}
        return ended.value
    }
}

extension Array where Element == UInt8 {
    static func frame(opcode: UInt8, fin: Bool = true, _ text: String) -> [UInt8] {
        RawFrameClient.frame(opcode: opcode, fin: fin, text)
    }

    static func frame(opcode: UInt8, fin: Bool = true, _ payload: [UInt8]) -> [UInt8] {
        RawFrameClient.frame(opcode: opcode, fin: fin, payload)
    }
}
