/// A named graph input or output with its static type, when the file declares one.
public struct ValueInfo: Sendable {
    public var name: String
    public var type: TensorType?

    public init(name: String, type: TensorType?) {
        self.name = name
        self.type = type
    }
}

/// The in-memory graph that the executor runs and the passes rewrite.
public struct Graph: Sendable {
    public var name: String
    /// Nodes in the file's order; `topologicalOrder()` gives an executable order.
    public var nodes: [Node]
    /// Graph inputs that are not initializers: what a caller feeds.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Constant tensors (weights), by value name.
    public var initializers: [String: Tensor]
    /// Known static types of intermediate values.
    public var valueInfo: [String: TensorType]
    /// Constants the engine cannot hold as `Tensor` (strings, 4-bit types, sparse
    /// initializers), kept as stored so they survive a save.
    public var opaqueInitializers: [String: OpaqueTensor] = [:]

    public init(
        name: String = "", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
        initializers: [String: Tensor] = [:], valueInfo: [String: TensorType] = [:]
    ) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.valueInfo = valueInfo
    }
}
