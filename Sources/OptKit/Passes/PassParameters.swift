/// One parameter of a technique, as `optctl techniques` and the OpenAPI document describe it.
public struct ParameterDescriptor: Equatable, Sendable, Encodable {
    public enum Kind: Equatable, Sendable {
        case number(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        case boolean
        case choice([String])
        case strings
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: JSONValue
    public let summary: String

    public init(name: String, kind: Kind, defaultValue: JSONValue, summary: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case name, type, defaultValue = "default", summary, minimum, maximum, choices
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(defaultValue, forKey: .defaultValue)
        try c.encode(summary, forKey: .summary)
        switch kind {
        case .number(let range):
            try c.encode("number", forKey: .type)
            try c.encode(range.lowerBound, forKey: .minimum)
            try c.encode(range.upperBound, forKey: .maximum)
        case .integer(let range):
            try c.encode("integer", forKey: .type)
            try c.encode(range.lowerBound, forKey: .minimum)
            try c.encode(range.upperBound, forKey: .maximum)
        case .boolean: try c.encode("boolean", forKey: .type)
        case .choice(let choices):
            try c.encode("choice", forKey: .type)
            try c.encode(choices, forKey: .choices)
        case .strings: try c.encode("strings", forKey: .type)
        }
    }
}

/// A technique's parameter values, checked against its descriptors: unknown names, wrong types
/// and out-of-range values are all reported at once, each under `techniques.ID.NAME`.
public struct ParameterValues: Sendable {
    public let technique: String
    private let values: [String: JSONValue]

    public init(technique: String, descriptors: [ParameterDescriptor], given: [String: JSONValue]) throws(InvalidRequest) {
        self.technique = technique
        var problems: [FieldProblem] = []
        var values: [String: JSONValue] = [:]
        let field = { (name: String) in "techniques.\(technique).\(name)" }
        for name in given.keys.sorted() where !descriptors.contains(where: { $0.name == name }) {
            let known = descriptors.map(\.name).joined(separator: ", ")
            problems.append(FieldProblem(
                field: field(name), value: given[name],
                message: known.isEmpty ? "\(technique) takes no parameters" : "is not a parameter of \(technique) (\(known))"))
        }
        for descriptor in descriptors {
            let value = given[descriptor.name] ?? descriptor.defaultValue
            if let message = Self.check(value, against: descriptor.kind) {
                problems.append(FieldProblem(field: field(descriptor.name), value: value, message: message))
            }
            values[descriptor.name] = value
        }
        if !problems.isEmpty { throw InvalidRequest(problems) }
        self.values = values
    }

    /// Every parameter with its value in effect (given or default), for provenance.
    public var json: JSONValue { .object(values) }

    public func number(_ name: String) -> Double { values[name]?.doubleValue ?? 0 }
    public func integer(_ name: String) -> Int { Int(values[name]?.doubleValue ?? 0) }
    public func string(_ name: String) -> String { values[name]?.stringValue ?? "" }

    public func boolean(_ name: String) -> Bool {
        if case .bool(let value)? = values[name] { return value }
        return false
    }

    public func strings(_ name: String) -> [String] {
        guard case .array(let items)? = values[name] else { return [] }
        return items.compactMap(\.stringValue)
    }

    static func check(_ value: JSONValue, against kind: ParameterDescriptor.Kind) -> String? {
        switch (kind, value) {
        case let (.number(range), .number(number)):
            return range.contains(number) ? nil : "must be from \(range.lowerBound) to \(range.upperBound)"
        case let (.integer(range), .number(number)):
            guard number.rounded() == number, abs(number) < 1e15 else { return "must be an integer" }
            return range.contains(Int(number)) ? nil : "must be an integer from \(range.lowerBound) to \(range.upperBound)"
        case (.boolean, .bool):
            return nil
        case let (.choice(choices), .string(text)):
            return choices.contains(text) ? nil : "must be one of \(choices.joined(separator: ", "))"
        case (.strings, .array(let items)):
            return items.allSatisfy { $0.stringValue != nil } ? nil : "must be a list of strings"
        case (.number, _): return "must be a number"
        case (.integer, _): return "must be an integer"
        case (.boolean, _): return "must be true or false"
        case (.choice(let choices), _): return "must be one of \(choices.joined(separator: ", "))"
        case (.strings, _): return "must be a list of strings"
        }
    }
}
