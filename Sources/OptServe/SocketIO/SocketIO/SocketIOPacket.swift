import NIOCore
import OptKit

/// A Socket.IO v5 packet, carried in Engine.IO message packets.
///
/// Text form: type digit, `N-` when N binary attachments follow, the namespace and a comma
/// when it is not `/`, the ack id digits, then the JSON payload. Binary values in the payload
/// are `{"_placeholder":true,"num":i}` objects; the attachments themselves travel as the next
/// N Engine.IO binary messages.
public struct SocketIOPacket: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck
    }

    public var kind: Kind
    public var namespace: String
    public var id: Int?
    /// The payload as JSON text (nil when the packet has none).
    public var data: String?
    public var attachments: [ByteBuffer]

    public init(kind: Kind, namespace: String = "/", id: Int? = nil, data: String? = nil, attachments: [ByteBuffer] = []) {
        self.kind = kind
        self.namespace = namespace
        self.id = id
        self.data = data
        self.attachments = attachments
    }

    /// Event names a client may not use (the client library reserves them for itself).
    static let reservedEvents: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]
    /// More attachments than this in one packet is refused rather than buffered.
    static let maximumAttachments = 256
    /// Ack ids up to 15 digits: always an exact Int and a safe JavaScript integer.
    static let maximumIDDigits = 15

    // MARK: - Encoding

    /// The Engine.IO frames that carry this packet: the text message, then each attachment.
    public func frames() -> [EngineFrame] {
        var text = String(kind.rawValue)
        if kind == .binaryEvent || kind == .binaryAck {
            text += "\(attachments.count)-"
        }
        if namespace != "/" {
            text += namespace + ","
        }
        if let id { text += String(id) }
        if let data { text += data }
        return [.message(text)] + attachments.map { .message($0) }
    }

    // MARK: - Decoding

    /// A packet header and payload parsed from one text message, waiting for its attachments.
    struct Header {
        var packet: SocketIOPacket
        /// The parsed payload, checked for its kind.
        var payload: JSONValue?
        var expectedAttachments: Int
    }

    enum DecodingError: Error, Equatable, CustomStringConvertible {
        case malformed(String)

        var description: String {
            switch self {
            case .malformed(let detail): "malformed Socket.IO packet: \(detail)"
            }
        }
    }

    /// Parses a text message from a client and checks it is a packet a client may send.
    static func decode(_ text: String) throws(DecodingError) -> Header {
        let bytes = Array(text.utf8)
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }

        guard isDigit(0), let kind = Kind(rawValue: bytes[0] - 48) else { throw .malformed("unknown packet type") }
        index = 1

        var attachments = 0
        if kind == .binaryEvent || kind == .binaryAck {
            let start = index
            while isDigit(index) { index += 1 }
            guard index > start, index - start <= 3, index < bytes.count, bytes[index] == UInt8(ascii: "-"),
                  let count = Int(String(decoding: bytes[start..<index], as: UTF8.self)),
                  count <= maximumAttachments
            else { throw .malformed("bad attachment count") }
            attachments = count
            index += 1
        }

        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            var name = String(decoding: bytes[start..<index], as: UTF8.self)
            if let query = name.firstIndex(of: "?") { name = String(name[..<query]) }
            namespace = name
            if index < bytes.count { index += 1 }  // the comma
        }

        var id: Int?
        if isDigit(index) {
            let start = index
            while isDigit(index) { index += 1 }
            guard index - start <= maximumIDDigits else { throw .malformed("ack id too long") }
            id = Int(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        var payload: JSONValue?
        var data: String?
        if index < bytes.count {
            let json = Array(bytes[index...])
            do {
                payload = try JSONParser.parse(json)
            } catch {
                throw .malformed("payload is not JSON (\(error))")
            }
            data = String(decoding: json, as: UTF8.self)
        }

        switch kind {
        case .connect:
            if let payload, case .object = payload {} else if payload != nil {
                throw .malformed("CONNECT payload must be an object")
            }
        case .disconnect:
            guard payload == nil else { throw .malformed("DISCONNECT carries no payload") }
        case .event, .binaryEvent:
            guard case .array(let items)? = payload, case .string(let name)? = items.first else {
                throw .malformed("EVENT payload must be an array starting with the event name")
            }
            guard !reservedEvents.contains(name) else { throw .malformed("event name \(name) is reserved") }
        case .ack, .binaryAck:
            guard case .array? = payload, id != nil else { throw .malformed("ACK needs an id and an array payload") }
        case .connectError:
            throw .malformed("CONNECT_ERROR is sent by servers only")
        }
        if attachments > 0 || kind == .binaryEvent || kind == .binaryAck {
            guard let payload, placeholdersAreValid(payload, count: attachments) else {
                throw .malformed("attachment placeholders do not match the attachment count")
            }
        }

        return Header(
            packet: SocketIOPacket(kind: kind, namespace: namespace, id: id, data: data),
            payload: payload, expectedAttachments: attachments)
    }

    /// Every placeholder must name an attachment that will arrive.
    private static func placeholdersAreValid(_ value: JSONValue, count: Int) -> Bool {
        switch value {
        case .object(let members):
            if members["_placeholder"] == .bool(true) {
                guard case .number(let number)? = members["num"], number >= 0, number < Double(count),
                      number.rounded() == number
                else { return false }
                return true
            }
            return members.values.allSatisfy { placeholdersAreValid($0, count: count) }
        case .array(let items):
            return items.allSatisfy { placeholdersAreValid($0, count: count) }
        default:
            return true
        }
    }
}
