/// One problem found by `Graph.validate` or shape inference, naming the node and value
/// concerned. A graph with issues may still load and be inspected; the executor and the passes
/// refuse the ones that matter to them.
public enum GraphIssue: Hashable, Sendable, CustomStringConvertible {
    /// A node reads a value that no graph input, initializer or node defines.
    case danglingInput(node: String, value: String)
    /// A graph output that nothing defines.
    case undefinedOutput(value: String)
    /// The graph has a cycle through this node.
    case cycle(node: String)
    /// A value defined twice: by two nodes, or by a node and a graph input or initializer.
    case duplicateOutput(value: String, node: String)
    /// Element types that do not fit: inputs of one op that must share a type and do not, or a
    /// declared type that differs from what the op produces.
    case typeMismatch(node: String, value: String, message: String)
    /// Shapes that cannot go together (broadcasting, a matrix product's inner dims, a reshape).
    case shapeMismatch(node: String, value: String, message: String)
    /// An attribute whose value the ONNX specification forbids (an axis out of range, …).
    case invalidAttribute(node: String, attribute: String, message: String)
    /// An op the engine has no kernel for.
    case unsupportedOp(node: String, opType: String, domain: String)
    /// An op with subgraphs (If, Loop, Scan): the engine does not run control flow.
    case subgraphOp(node: String, opType: String)

    public var description: String {
        switch self {
        case let .danglingInput(node, value):
            "node '\(node)' reads '\(value)', which nothing defines"
        case let .undefinedOutput(value):
            "graph output '\(value)' is not produced by any node, input or initializer"
        case let .cycle(node):
            "the graph has a cycle through node '\(node)'"
        case let .duplicateOutput(value, node):
            "value '\(value)' is produced more than once (again by '\(node)')"
        case let .typeMismatch(node, value, message):
            "node '\(node)', value '\(value)': type mismatch: \(message)"
        case let .shapeMismatch(node, value, message):
            "node '\(node)', value '\(value)': shape mismatch: \(message)"
        case let .invalidAttribute(node, attribute, message):
            "node '\(node)': invalid attribute '\(attribute)': \(message)"
        case let .unsupportedOp(node, opType, domain):
            "node '\(node)': the engine cannot run op \(domain.isEmpty ? "" : domain + ".")\(opType)"
        case let .subgraphOp(node, opType):
            "node '\(node)': \(opType) holds subgraphs, which the engine does not run"
        }
    }
}
