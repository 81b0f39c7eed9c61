/// Reads typed fields out of a JSON object while collecting every problem (missing, mistyped,
/// unknown), so a request is answered with all of its problems at once rather than the first.
public struct DocumentReader {
    private let object: [String: JSONValue]
    /// Prefix for nested objects' field names, like "constraints.".
    private let prefix: String
    public private(set) var problems: [FieldProblem] = []

    /// Reads `value` as an object; anything else is one problem for `field`.
    public init(_ value: JSONValue, field: String? = nil) {
        prefix = field.map { $0 + "." } ?? ""
        if case .object(let object) = value {
            self.object = object
        } else {
            self.object = [:]
            problems.append(FieldProblem(field: field ?? "body", value: value, message: "must be a JSON object"))
        }
    }

    private mutating func raw(_ key: String, required: Bool) -> JSONValue? {
        guard let value = object[key], value != .null else {
            if required { problems.append(FieldProblem(field: prefix + key, value: nil, message: "is required")) }
            return nil
        }
        return value
    }

    private mutating func mistyped(_ key: String, _ value: JSONValue, _ expected: String) {
        problems.append(FieldProblem(field: prefix + key, value: value, message: "must be \(expected)"))
    }

    public mutating func string(_ key: String, required: Bool) -> String? {
        guard let value = raw(key, required: required) else { return nil }
        guard case .string(let text) = value else { mistyped(key, value, "a string"); return nil }
        return text
    }

    public mutating func number(_ key: String, required: Bool) -> Double? {
        guard let value = raw(key, required: required) else { return nil }
        guard case .number(let number) = value else { mistyped(key, value, "a number"); return nil }
        return number
    }

    public mutating func integer(_ key: String, required: Bool) -> Int? {
        guard let value = raw(key, required: required) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            mistyped(key, value, "an integer")
            return nil
        }
        return Int(number)
    }

    public mutating func strings(_ key: String, required: Bool) -> [String]? {
        guard let value = raw(key, required: required) else { return nil }
        guard case .array(let items) = value else { mistyped(key, value, "an array of strings"); return nil }
        var result: [String] = []
        for item in items {
            guard case .string(let text) = item else { mistyped(key, value, "an array of strings"); return nil }
            result.append(text)
        }
        return result
    }

    /// The nested object under `key`, when present.
    public mutating func object(_ key: String) -> JSONValue? {
        raw(key, required: false)
    }

    public mutating func report(_ problem: FieldProblem) {
        problems.append(problem)
    }

    public mutating func absorb(_ nested: DocumentReader) {
        problems += nested.problems
    }

    /// Reports every key not in `known` (read-only keys count as known: they are ignored).
    public mutating func rejectUnknownKeys(known: Set<String>) {
        for key in object.keys.sorted() where !known.contains(key) {
            problems.append(FieldProblem(field: prefix + key, value: object[key], message: "is not a known field"))
        }
    }
}
