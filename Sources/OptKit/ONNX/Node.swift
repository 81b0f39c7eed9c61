/// One operator application. Inputs and outputs are value names; an empty name marks an
/// omitted optional input or output, as in ONNX.
public struct Node: Sendable {
    public var name: String
    public var opType: String
    /// Operator set domain; "" (or "ai.onnx") is the default ONNX domain.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: AttributeValue]
    /// What the loader read for this node, so a save keeps what the IR does not hold (doc
    /// string, unknown fields, subgraph attributes). Copies of the node carry it along.
    var origin: NodeOrigin?

    public init(
        name: String, opType: String, domain: String = "",
        inputs: [String], outputs: [String], attributes: [String: AttributeValue] = [:]
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}
