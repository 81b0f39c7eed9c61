/// Turns a QDQ graph's quantized Conv and MatMul nodes into the QOperator form: DQ(x), DQ(w)
/// [, DQ(int32 bias)] -> Conv [-> Relu] -> Q(y) becomes one QLinearConv, and the same around a
/// MatMul becomes QLinearMatMul. A Relu is absorbed only when the output's zero point is the
/// type's minimum (asymmetric ranges of a ReLU output start at 0), so saturation does its work.
enum QOperatorFusion {
    /// Fuses what it can; returns the nodes left in QDQ form and why.
    static func fuse(_ graph: inout Graph) -> [SkippedNode] {
        var kept: [SkippedNode] = []
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard node.isStandard, node.opType == "Conv" || node.opType == "MatMul" else {
                index += 1
                continue
            }
            switch fusion(of: index, in: graph) {
            case .success(let plan):
                var fused = Node(name: node.name, opType: "QLinear" + node.opType, inputs: plan.inputs, outputs: [plan.output])
                if node.opType == "Conv" { fused.attributes = node.attributes }
                if let zeroPoint = plan.zeroPointToAdd {
                    graph.initializers[zeroPoint.name] = zeroPoint.tensor
                }
                let doomed = Set(plan.removed)
                graph.nodes = graph.nodes.enumerated().compactMap { position, existing in
                    if position == index { return fused }
                    return doomed.contains(position) ? nil : existing
                }
                index += 1 - doomed.filter { $0 < index }.count
            case .failure(let problem):
                if let reason = problem.reason { kept.append(SkippedNode(name: node.displayName, opType: node.opType, reason: reason)) }
                index += 1
            }
        }
        graph.removeUnused()
        return kept
    }

    private struct Plan {
        var inputs: [String]
        var output: String
        /// Indices of the Relu and Q nodes the fused op replaces.
        var removed: [Int]
        var zeroPointToAdd: (name: String, tensor: Tensor)?
    }

    private struct NotFusable: Error {
        /// nil for a node that was never quantized (not worth reporting).
        var reason: String?
    }

    private static func fusion(of index: Int, in graph: Graph) -> Result<Plan, NotFusable> {
        let node = graph.nodes[index]
        let producers = graph.producers()
        func dq(_ value: String) -> Node? {
            guard let p = producers[value], graph.nodes[p].opType == "DequantizeLinear" else { return nil }
            return graph.nodes[p]
        }
        guard node.inputs.count >= 2, let x = dq(node.inputs[0]), x.inputs.count == 3,
            let w = dq(node.inputs[1]), graph.initializers[w.inputs[0]]?.dataType == .int8
        else { return .failure(NotFusable(reason: nil)) }
        // The output: straight into Q, or through one Relu into a Q at the type's minimum.
        guard let output = node.outputs.first, !graph.isGraphOutput(output) else {
            return .failure(NotFusable(reason: "its output is not quantized"))
        }
        var removed: [Int] = []
        var quantizeIndex: Int?
        let readers = graph.readers(of: output)
        if readers.count == 1, graph.nodes[readers[0]].opType == "QuantizeLinear" {
            quantizeIndex = readers[0]
        } else if readers.count == 1, graph.nodes[readers[0]].opType == "Relu", let reluOutput = graph.nodes[readers[0]].outputs.first,
            !graph.isGraphOutput(reluOutput) {
            let next = graph.readers(of: reluOutput)
            if next.count == 1, graph.nodes[next[0]].opType == "QuantizeLinear", isAtTypeMinimum(graph.nodes[next[0]], graph) {
                removed.append(readers[0])
                quantizeIndex = next[0]
            }
        }
        guard let quantizeIndex else { return .failure(NotFusable(reason: "its output is not quantized")) }
        removed.append(quantizeIndex)
        let q = graph.nodes[quantizeIndex]
        guard q.inputs.count == 3, let fusedOutput = q.outputs.first else { return .failure(NotFusable(reason: "its output quantization has no zero point")) }

        var zeroPointToAdd: (String, Tensor)?
        var weightZeroPoint = w.inputs.count > 2 ? w.inputs[2] : ""
        if weightZeroPoint.isEmpty, let scale = graph.initializers[w.inputs[1]] {
            // QLinear ops require the weight zero point; symmetric weights have 0 everywhere.
            // Named after the float weight ("w_quantized" -> "w_zero_point"), as its scale is.
            let weightName = w.inputs[0].hasSuffix("_quantized") ? String(w.inputs[0].dropLast("_quantized".count)) : w.inputs[0]
            let name = graph.uniqueName(weightName + "_zero_point")
            zeroPointToAdd = (name, Tensor(elements: [Int8](repeating: 0, count: scale.count), dataType: .int8, shape: scale.shape))
            weightZeroPoint = name
        }
        var inputs = [x.inputs[0], x.inputs[1], x.inputs[2], w.inputs[0], w.inputs[1], weightZeroPoint, q.inputs[1], q.inputs[2]]
        if node.opType == "Conv", node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let b = dq(node.inputs[2]), graph.initializers[b.inputs[0]]?.dataType == .int32 else {
                return .failure(NotFusable(reason: "its bias does not fit int32 at the input and weight scales"))
            }
            inputs.append(b.inputs[0])
        }
        return .success(Plan(inputs: inputs, output: fusedOutput, removed: removed, zeroPointToAdd: zeroPointToAdd))
    }

    /// Whether a QuantizeLinear's zero point is its type's lowest value (uint8 0, int8 -128).
    private static func isAtTypeMinimum(_ q: Node, _ graph: Graph) -> Bool {
        guard q.inputs.count == 3, let zeroPoint = graph.initializers[q.inputs[2]], zeroPoint.count == 1 else { return false }
        switch zeroPoint.dataType {
        case .uint8: return zeroPoint.pointer(UInt8.self)[0] == 0
        case .int8: return zeroPoint.pointer(Int8.self)[0] == -128
        default: return false
        }
    }
}
