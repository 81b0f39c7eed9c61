import Foundation

extension JSONValue {
    /// A value of our own Encodable types as a JSON tree, with the project's coding rules
    /// (snake_case keys, ISO timestamps), for documents assembled from several parts.
    public static func encoding<T: Encodable>(_ value: T) -> JSONValue {
        let text = JSONCoding.string(value)
        guard let parsed = try? JSONParser.parse(text) else { preconditionFailure("JSONEncoder wrote invalid JSON") }
        return parsed
    }
}
