import Foundation

/// The one JSON configuration used for `--json` output, REST bodies and stored documents:
/// timestamps as `Timestamp` strings, keys sorted so output is stable for scripts and diffs.
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 timestamp: \(text)")
            }
            return date
        }
        return decoder
    }

    /// Encodes a value to a UTF-8 string; encoding our own types cannot fail, a failure is a bug.
    /// `pretty` gives two-space indented output for people (see `JSONValue.prettyPrinted`).
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let text: String
        do {
            text = String(decoding: try encoder().encode(value), as: UTF8.self)
        } catch {
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
        guard pretty else { return text }
        guard let parsed = try? JSONParser.parse(text) else { preconditionFailure("JSONEncoder wrote invalid JSON") }
        return parsed.prettyPrinted()
    }
}
