/// A node attribute's value, as the engine and the passes read it.
public enum AttributeValue: Sendable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int])
    case strings([String])
    /// Kinds the engine does not interpret (graphs, sparse tensors, type protos). The ONNX layer
    /// keeps their original bytes so a save writes them back unchanged.
    case opaque(kind: String)
}
