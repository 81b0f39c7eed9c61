import Foundation

/// Writes JSON straight into bytes, producing exactly what `JSONCoding.encoder()` produces for
/// the same values (sorted keys are the caller's job: it writes them in order). The list and
/// stats endpoints answer thousands of requests per second; Foundation's `JSONEncoder` spends
/// most of a list request building and sorting an intermediate tree, this writes in one pass.
/// Tests compare every type written this way with `JSONEncoder`'s output, byte for byte.
public struct JSONBytes {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Raw bytes known to be valid JSON here (punctuation, a quoted key).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func null() {
        raw("null")
    }

    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    public mutating func int(_ value: some BinaryInteger) {
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        guard magnitude != 0 else {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        let start = bytes.count
        while magnitude != 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    /// Like `JSONEncoder`: Swift's shortest round-trip form, with a trailing ".0" dropped
    /// (`100`, `99.5`, `1e+16`). Infinity and NaN have no JSON form: `JSONEncoder` refuses them,
    /// and so does this.
    public mutating func double(_ value: Double) throws(EncodingError) {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "Unable to encode Double.\(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A quoted string, escaped as `JSONEncoder` escapes with `.withoutEscapingSlashes`: `"`,
    /// `\`, the short forms `\b \f \n \r \t`, other control characters as `\u00XX`, everything
    /// else (DEL and non-ASCII included) as UTF-8.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0  // start of the run of bytes that need no escape
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                clean = index + 1
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A timestamp as `JSONCoding` writes dates (`Timestamp.format`), quoted.
    public mutating func date(_ value: Date) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: Timestamp.format(value).utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func optional<T>(_ value: T?, _ write: (inout JSONBytes, T) throws(EncodingError) -> Void) throws(EncodingError) {
        if let value { try write(&self, value) } else { null() }
    }

    public mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
