/// Typed attribute readers for kernel factories. Each throws `EngineError.invalidAttribute`
/// naming the node and the attribute when the file holds the wrong kind of value, so a bad
/// model fails when it is prepared rather than on the first run.
extension Node {
    func intAttribute(_ name: String) throws(EngineError) -> Int? {
        switch attributes[name] {
        case nil: return nil
        case .int(let value): return value
        default: throw wrongKind(name, "an integer")
        }
    }

    func intAttribute(_ name: String, default value: Int) throws(EngineError) -> Int {
        try intAttribute(name) ?? value
    }

    func floatAttribute(_ name: String) throws(EngineError) -> Float? {
        switch attributes[name] {
        case nil: return nil
        case .float(let value): return value
        // Some exporters write a whole-number float attribute as an integer.
        case .int(let value): return Float(value)
        default: throw wrongKind(name, "a float")
        }
    }

    func floatAttribute(_ name: String, default value: Float) throws(EngineError) -> Float {
        try floatAttribute(name) ?? value
    }

    func intsAttribute(_ name: String) throws(EngineError) -> [Int]? {
        switch attributes[name] {
        case nil: return nil
        case .ints(let values): return values
        case .int(let value): return [value]
        default: throw wrongKind(name, "a list of integers")
        }
    }

    func floatsAttribute(_ name: String) throws(EngineError) -> [Float]? {
        switch attributes[name] {
        case nil: return nil
        case .floats(let values): return values
        case .float(let value): return [value]
        default: throw wrongKind(name, "a list of floats")
        }
    }

    func stringAttribute(_ name: String) throws(EngineError) -> String? {
        switch attributes[name] {
        case nil: return nil
        case .string(let value): return value
        default: throw wrongKind(name, "a string")
        }
    }

    func stringAttribute(_ name: String, default value: String) throws(EngineError) -> String {
        try stringAttribute(name) ?? value
    }

    func tensorAttribute(_ name: String) throws(EngineError) -> Tensor? {
        switch attributes[name] {
        case nil: return nil
        case .tensor(let value): return value
        default: throw wrongKind(name, "a tensor")
        }
    }

    /// A 0/1 flag attribute (keepdims, allowzero, noop_with_empty_axes).
    func flagAttribute(_ name: String, default value: Bool) throws(EngineError) -> Bool {
        guard let raw = try intAttribute(name) else { return value }
        guard raw == 0 || raw == 1 else {
            throw .invalidAttribute(node: displayName, attribute: name, message: "must be 0 or 1, got \(raw)")
        }
        return raw == 1
    }

    /// Whether output `index` exists and is not an omitted optional output.
    func hasOutput(_ index: Int) -> Bool {
        index < outputs.count && !outputs[index].isEmpty
    }

    private func wrongKind(_ name: String, _ expected: String) -> EngineError {
        .invalidAttribute(node: displayName, attribute: name, message: "expected \(expected)")
    }
}
