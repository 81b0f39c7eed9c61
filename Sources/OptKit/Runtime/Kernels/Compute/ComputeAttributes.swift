/// Typed reads of a node's attributes for the compute kernels, with errors that name the node
/// and the attribute, so a malformed file fails at prepare time with a clear message.
struct ComputeAttributes {
    let node: Node

    init(_ node: Node) { self.node = node }

    var name: String { node.displayName }

    func has(_ attribute: String) -> Bool { node.attributes[attribute] != nil }

    func int(_ attribute: String, default value: Int) throws(EngineError) -> Int {
        switch node.attributes[attribute] {
        case nil: return value
        case .int(let v)?: return v
        default: throw wrongKind(attribute, "an integer")
        }
    }

    func float(_ attribute: String, default value: Float) throws(EngineError) -> Float {
        switch node.attributes[attribute] {
        case nil: return value
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw wrongKind(attribute, "a float")
        }
    }

    func optionalFloat(_ attribute: String) throws(EngineError) -> Float? {
        has(attribute) ? try float(attribute, default: 0) : nil
    }

    func ints(_ attribute: String) throws(EngineError) -> [Int]? {
        switch node.attributes[attribute] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw wrongKind(attribute, "a list of integers")
        }
    }

    func floats(_ attribute: String) throws(EngineError) -> [Float]? {
        switch node.attributes[attribute] {
        case nil: return nil
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: throw wrongKind(attribute, "a list of floats")
        }
    }

    func string(_ attribute: String, default value: String) throws(EngineError) -> String {
        switch node.attributes[attribute] {
        case nil: return value
        case .string(let v)?: return v
        default: throw wrongKind(attribute, "a string")
        }
    }

    func strings(_ attribute: String) throws(EngineError) -> [String]? {
        switch node.attributes[attribute] {
        case nil: return nil
        case .strings(let v)?: return v
        default: throw wrongKind(attribute, "a list of strings")
        }
    }

    func invalid(_ attribute: String, _ message: String) -> EngineError {
        .invalidAttribute(node: name, attribute: attribute, message: message)
    }

    func unsupported(_ attribute: String, _ message: String) -> EngineError {
        .unsupportedAttribute(node: name, attribute: attribute, message: message)
    }

    func input(_ message: String) -> EngineError {
        .invalidInput(node: name, message: message)
    }

    private func wrongKind(_ attribute: String, _ expected: String) -> EngineError {
        invalid(attribute, "expected \(expected)")
    }
}
