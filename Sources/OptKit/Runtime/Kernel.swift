/// A compiled operator: built once per node when a model is prepared (attributes parsed and
/// checked there, so a bad attribute fails before any run), then run many times.
public protocol Kernel: Sendable {
    /// `inputs` holds nil for an omitted optional input. Returns one tensor per node output
    /// (omitted optional outputs may be returned as any placeholder; the executor ignores them).
    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor]
}

/// Builds the kernel for one node. `opset` is the model's import version for the node's domain,
/// so a kernel can read the older form of an op (axes as an attribute before opset 13, …).
public typealias KernelFactory = @Sendable (_ node: Node, _ opset: Int) throws(EngineError) -> any Kernel

/// Errors raised while preparing or running a graph; each names the node concerned.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The engine has no kernel for this op (or this domain).
    case unsupportedOp(node: String, opType: String, domain: String)
    /// An attribute configuration the kernel does not support (for example 3-D ConvTranspose).
    case unsupportedAttribute(node: String, attribute: String, message: String)
    /// An attribute value that the ONNX specification forbids.
    case invalidAttribute(node: String, attribute: String, message: String)
    /// Inputs whose shapes or element types do not fit the op.
    case invalidInput(node: String, message: String)
    /// A graph input missing from the feed.
    case missingInput(name: String)
    /// A feed whose element type or shape does not match the graph input's declaration, or
    /// a feed name that is not a graph input.
    case invalidFeed(name: String, message: String)
    /// A graph the executor cannot prepare: a cycle, an output nothing produces, a value
    /// produced twice. The message names the node or value.
    case invalidGraph(message: String)

    public var description: String {
        switch self {
        case let .unsupportedOp(node, opType, domain):
            "node '\(node)': the engine cannot run op \(domain.isEmpty ? "" : domain + ".")\(opType)"
        case let .unsupportedAttribute(node, attribute, message):
            "node '\(node)': unsupported \(attribute): \(message)"
        case let .invalidAttribute(node, attribute, message):
            "node '\(node)': invalid attribute \(attribute): \(message)"
        case let .invalidInput(node, message):
            "node '\(node)': \(message)"
        case let .missingInput(name):
            "graph input '\(name)' was not provided"
        case let .invalidFeed(name, message):
            "graph input '\(name)': \(message)"
        case let .invalidGraph(message):
            "invalid graph: \(message)"
        }
    }
}
