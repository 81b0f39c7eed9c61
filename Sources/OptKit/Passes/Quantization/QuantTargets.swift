/// A node whose weight becomes int8: Conv, MatMul or Gemm with a constant float weight and a
/// float activation as its data input.
struct QuantTarget {
    var name: String
    var opType: String
    /// The data input (input 0).
    var activation: String
    /// The weight initializer (input 1).
    var weight: String
    /// The weight's output-channel axis, for per-channel scales.
    var weightAxis: Int
    /// A constant 1-D bias (Conv's B, Gemm's C), nil when absent or not of that form.
    var bias: String?
    /// The node's output.
    var output: String
}

/// A node of a quantizable op type that stays float, and why.
struct SkippedNode {
    var name: String
    var opType: String
    var reason: String

    var json: JSONValue {
        .object(["node": .string(name), "op_type": .string(opType), "reason": .string(reason)])
    }
}

enum QuantTargets {
    /// The op types the quantization passes know how to quantize.
    static let supportedOpTypes = ["Conv", "Gemm", "MatMul"]

    /// Checks exclusions against the model before anything is done: a node name that does not
    /// exist is an error (a typo would silently quantize the layer the user meant to protect),
    /// as is an op type no node has... which is only a warning, since excluding e.g. Conv in a
    /// model without Conv is harmless.
    static func checkExclusions(nodes excluded: Set<String>, in graph: Graph) throws(PassInputError) {
        let known = Set(graph.nodes.flatMap { [$0.name, $0.displayName] })
        let missing = excluded.subtracting(known).sorted()
        guard missing.isEmpty else {
            let plural = missing.count == 1 ? "a node" : "nodes"
            throw .invalid("excluded \(plural) not in the model: \(missing.map { "'\($0)'" }.joined(separator: ", ")) (node names are listed by `optctl inspect`)")
        }
    }

    /// The nodes to quantize, in graph order, and the quantizable-looking nodes left alone.
    static func select(
        in graph: Graph, opTypes: Set<String>, excludedNodes: Set<String>, excludedOpTypes: Set<String>
    ) -> (targets: [QuantTarget], skipped: [SkippedNode]) {
        var targets: [QuantTarget] = []
        var skipped: [SkippedNode] = []
        for node in graph.nodes where node.isStandard && supportedOpTypes.contains(node.opType) {
            let name = node.displayName
            func skip(_ reason: String) { skipped.append(SkippedNode(name: name, opType: node.opType, reason: reason)) }
            if excludedNodes.contains(node.name) || excludedNodes.contains(name) {
                skip("excluded by name")
                continue
            }
            if excludedOpTypes.contains(node.opType) {
                skip("op type \(node.opType) excluded")
                continue
            }
            if !opTypes.contains(node.opType) {
                skip("op type \(node.opType) not in op_types")
                continue
            }
            guard node.inputs.count >= 2, let output = node.outputs.first, !output.isEmpty else {
                skip("malformed node")
                continue
            }
            let activation = node.inputs[0]
            guard graph.fixedInitializer(activation) == nil else {
                skip("its data input is a constant")
                continue
            }
            guard let weight = graph.fixedInitializer(node.inputs[1]) else {
                skip("its weight (input 1) is not a constant: both operands are activations")
                continue
            }
            guard weight.dataType == .float else {
                skip("its weight is \(weight.dataType), not float")
                continue
            }
            var axis = 0
            var bias: String?
            switch node.opType {
            case "Conv":
                guard weight.rank >= 3 else {
                    skip("weight of rank \(weight.rank)")
                    continue
                }
                if node.inputs.count > 2, !node.inputs[2].isEmpty {
                    guard let b = graph.fixedInitializer(node.inputs[2]), b.dataType == .float, b.rank == 1 else {
                        skip("its bias is not a constant float vector")
                        continue
                    }
                    bias = node.inputs[2]
                }
            case "MatMul":
                guard weight.rank == 2 else {
                    skip("weight of rank \(weight.rank); only 2-D weights are quantized")
                    continue
                }
                axis = 1
            default:  // Gemm
                guard weight.rank == 2, (try? node.intAttribute("transA", default: 0)) == 0 else {
                    skip("transA=1")
                    continue
                }
                guard (try? node.floatAttribute("alpha", default: 1)) == 1, (try? node.floatAttribute("beta", default: 1)) == 1 else {
                    skip("alpha or beta other than 1 with a non-constant operand")
                    continue
                }
                axis = (try? node.intAttribute("transB", default: 0)) == 1 ? 0 : 1
                if node.inputs.count > 2, !node.inputs[2].isEmpty {
                    if let c = graph.fixedInitializer(node.inputs[2]), c.dataType == .float, c.count == weight.shape[axis], c.shape.last == c.count {
                        bias = node.inputs[2]
                    }
                }
            }
            targets.append(QuantTarget(
                name: name, opType: node.opType, activation: activation, weight: node.inputs[1],
                weightAxis: axis, bias: bias, output: output))
        }
        return (targets, skipped)
    }
}
