import Foundation

/// A JSON document of any shape: field values in error details, a session's results document,
/// event payloads. Codable both ways, so stored documents round-trip exactly.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers are written without a fraction so `101` stays `101`.
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

extension JSONValue {
    /// Indented JSON with sorted keys and two-space indentation, for people reading CLI output.
    public func prettyPrinted() -> String {
        var text = ""
        write(to: &text, indent: 0)
        return text
    }

    private func write(to text: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value): text += Self.numberLiteral(value)
        case .string(let value): text += Self.quoted(value)
        case .array(let items):
            if items.isEmpty { text += "[]"; return }
            text += "[\n"
            for (index, item) in items.enumerated() {
                text += pad
                item.write(to: &text, indent: indent + 1)
                text += index < items.count - 1 ? ",\n" : "\n"
            }
            text += closing + "]"
        case .object(let object):
            if object.isEmpty { text += "{}"; return }
            text += "{\n"
            let keys = object.keys.sorted()
            for (index, key) in keys.enumerated() {
                text += pad + Self.quoted(key) + ": "
                object[key]!.write(to: &text, indent: indent + 1)
                text += index < keys.count - 1 ? ",\n" : "\n"
            }
            text += closing + "}"
        }
    }

    /// `string` as a quoted JSON string literal, escaped as `JSONBytes` escapes (the one escaper
    /// the project has).
    public static func quoted(_ string: String) -> String {
        var json = JSONBytes(capacity: string.utf8.count + 2)
        json.string(string)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// A number as every JSON writer here prints it: whole numbers without a fraction, so
    /// `101` stays `101`.
    public static func numberLiteral(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
