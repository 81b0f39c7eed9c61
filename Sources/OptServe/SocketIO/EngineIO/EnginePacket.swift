import Foundation
import NIOCore

/// One Engine.IO v4 packet as it travels on either transport.
///
/// Text packets are a type digit followed by a payload; a binary packet is always a message.
/// On a WebSocket each packet is one frame; in long-polling bodies packets are joined by the
/// record separator 0x1E and binary ones are written `b` + base64.
public enum EnginePacket: Equatable, Sendable {
    case open(String)
    case close
    case ping(String)
    case pong(String)
    case message(EngineMessage)
    case upgrade
    case noop

    /// The record separator between packets of a polling body.
    static let separator: UInt8 = 0x1E

    /// Decodes a text frame or one text record of a polling body.
    /// Returns nil for anything that is not a known packet type.
    static func decode(text: String) -> EnginePacket? {
        guard let first = text.utf8.first else { return nil }
        let payload = String(text.dropFirst())
        switch first {
        case UInt8(ascii: "0"): return .open(payload)
        case UInt8(ascii: "1"): return payload.isEmpty ? .close : nil
        case UInt8(ascii: "2"): return .ping(payload)
        case UInt8(ascii: "3"): return .pong(payload)
        case UInt8(ascii: "4"): return .message(.text(payload))
        case UInt8(ascii: "5"): return payload.isEmpty ? .upgrade : nil
        case UInt8(ascii: "6"): return payload.isEmpty ? .noop : nil
        default: return nil
        }
    }

    /// The text form (type digit + payload); binary messages have none.
    var text: String? {
        switch self {
        case .open(let json): "0" + json
        case .close: "1"
        case .ping(let payload): "2" + payload
        case .pong(let payload): "3" + payload
        case .message(.text(let text)): "4" + text
        case .message(.binary): nil
        case .upgrade: "5"
        case .noop: "6"
        }
    }
}

/// The payload of a message packet: what the layer above Engine.IO sends and receives.
public enum EngineMessage: Equatable, Sendable {
    case text(String)
    case binary(ByteBuffer)
}

/// Splitting and joining long-polling bodies.
enum PollingPayload {
    /// The packets of a POST body, or nil when any record is malformed (the session is then
    /// closed, as the protocol requires).
    static func decode(_ body: ByteBuffer) -> [EnginePacket]? {
        let bytes = body.readableBytesView
        guard !bytes.isEmpty else { return nil }
        var packets: [EnginePacket] = []
        for record in bytes.split(separator: EnginePacket.separator, omittingEmptySubsequences: false) {
            guard let first = record.first else { return nil }
            if first == UInt8(ascii: "b") {
                guard let data = Data(base64Encoded: Data(record.dropFirst())) else { return nil }
                packets.append(.message(.binary(ByteBuffer(bytes: data))))
            } else {
                guard let text = String(validating: record, as: UTF8.self),
                      let packet = EnginePacket.decode(text: text)
                else { return nil }
                packets.append(packet)
            }
        }
        return packets
    }

    /// Joins encoded frames into one polling body.
    static func encode(_ frames: some Collection<EngineFrame>) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frames.reduce(0) { $0 + $1.payloadLength + 1 })
        var first = true
        for frame in frames {
            if !first { buffer.writeInteger(EnginePacket.separator) }
            first = false
            if frame.isBinary {
                buffer.writeString("b")
                buffer.writeString(Data(frame.bytes.readableBytesView).base64EncodedString())
            } else {
                buffer.writeImmutableBuffer(frame.bytes)
            }
        }
        return buffer
    }
}

/// A packet encoded once for sending, shared by every recipient of a broadcast.
///
/// The frame is kept as the bytes of a complete WebSocket frame (an unmasked final frame:
/// header, then payload), so a broadcast hands the very same buffer to every WebSocket client
/// and nothing is encoded per recipient. `bytes` is the payload alone (a view of the same
/// storage): the packet's text form for text packets, the raw bytes for a binary message. A
/// polling body takes the text form as is and base64-encodes binary frames.
public struct EngineFrame: Sendable {
    public let isBinary: Bool
    /// The whole WebSocket frame as it goes on the wire.
    let wire: ByteBuffer
    /// Bytes of the WebSocket frame header at the start of `wire`.
    private let headerLength: Int

    init(packet: EnginePacket) {
        if case .message(.binary(let data)) = packet {
            self.init(isBinary: true, payload: data.readableBytesView)
        } else {
            self.init(isBinary: false, payload: (packet.text ?? "").utf8)
        }
    }

    private init(isBinary: Bool, payload: some Collection<UInt8>) {
        let length = payload.count
        let headerLength = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10
        var wire = ByteBuffer()
        wire.reserveCapacity(headerLength + length)
        // FIN and the opcode (text 1, binary 2); server frames are never masked.
        wire.writeInteger(UInt8(isBinary ? 0x82 : 0x81))
        if length < 126 {
            wire.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            wire.writeInteger(UInt8(126))
            wire.writeInteger(UInt16(length))
        } else {
            wire.writeInteger(UInt8(127))
            wire.writeInteger(UInt64(length))
        }
        wire.writeBytes(payload)
        self.isBinary = isBinary
        self.wire = wire
        self.headerLength = headerLength
    }

    /// The packet bytes without the WebSocket framing.
    public var bytes: ByteBuffer {
        wire.getSlice(at: wire.readerIndex + headerLength, length: payloadLength) ?? ByteBuffer()
    }

    /// Length of `bytes`, without making the view.
    var payloadLength: Int { wire.readableBytes - headerLength }

    /// A text message: "4" followed by the text.
    public static func message(_ text: String) -> EngineFrame {
        EngineFrame(packet: .message(.text(text)))
    }

    /// A binary message.
    public static func message(_ data: ByteBuffer) -> EngineFrame {
        EngineFrame(packet: .message(.binary(data)))
    }
}
