import OptKit

/// Why a case was skipped rather than run. Only "the engine cannot do this" is a skip: an op
/// without a kernel (subgraph ops such as If, Loop and Scan among them), an attribute
/// configuration a kernel declines when the graph is prepared, graph inputs or outputs of
/// element types the engine does not compute, or values that are not tensors (sequences,
/// optionals, maps). Anything else that goes wrong is a failure.
struct SkipReason: Sendable, Hashable {
    enum Category: String, Sendable, CaseIterable {
        case unsupportedOp = "unsupported op"
        case unsupportedAttribute = "unsupported attribute"
        case elementType = "element type"
        case nonTensorValue = "non-tensor value"
    }

    var category: Category
    /// What skips are grouped by in the summary: an op type, Op.attribute, a type name.
    var key: String
    /// The full reason, for the report.
    var detail: String

    init(category: Category, key: String, detail: String) {
        self.category = category
        self.key = key
        self.detail = detail
    }

    static func elementType(_ dataType: DataType, kind: String, value: String) -> SkipReason {
        SkipReason(
            category: .elementType, key: dataType.description,
            detail: "graph \(kind) '\(value)' has element type \(dataType), which the engine does not compute")
    }

    static func nonTensor(kind: String, value: String) -> SkipReason {
        SkipReason(
            category: .nonTensorValue, key: kind,
            detail: "graph \(kind) '\(value)' is a sequence, optional or map, not a tensor")
    }

    /// The skip an engine error stands for, or nil when the error is a failure.
    init?(engine error: EngineError, graph: Graph) {
        switch error {
        case let .unsupportedOp(_, opType, domain):
            let qualified = (domain.isEmpty || domain == "ai.onnx") ? opType : "\(domain).\(opType)"
            self.init(category: .unsupportedOp, key: qualified, detail: error.description)
        case let .unsupportedAttribute(node, attribute, _):
            let opType = graph.nodes.first { $0.displayName == node }?.opType ?? node
            self.init(category: .unsupportedAttribute, key: "\(opType).\(attribute)", detail: error.description)
        default:
            return nil
        }
    }
}

/// Element types the engine computes in (issue 3: fp32 everywhere, int64/int32/bool where shape
/// ops need them; issue 4: the 8- and 16-bit integers of quantized models and float16). A case
/// whose inputs or expected outputs have another type is skipped.
let engineElementTypes: Set<DataType> = [.float, .int32, .int64, .bool, .uint8, .int8, .uint16, .int16, .float16]
