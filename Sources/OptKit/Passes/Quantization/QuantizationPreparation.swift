/// Graph changes every quantization pass makes first, on its own copy of the model, so that no
/// layer is silently left out: Constant weights become initializers, BatchNormalization is
/// folded into its Conv/Gemm/MatMul, and Gemm's alpha and beta are folded into constant
/// operands. For per-tensor weights, consecutive layers are then equalized
/// (`CrossLayerEqualization`), which undoes the channel spread BatchNorm folding causes.
enum QuantizationPreparation {
    struct Outcome {
        var constantsPromoted = 0
        var batchNormsFolded: [String] = []
        var equalized: [String] = []
    }

    static func prepare(_ graph: inout Graph, equalize: Bool = false) -> Outcome {
        var outcome = Outcome()
        outcome.constantsPromoted = ConstantWeights.promote(in: &graph)
        outcome.batchNormsFolded = BatchNormFolding.fold(in: &graph)
        normalizeGemmScalars(&graph)
        if equalize { outcome.equalized = CrossLayerEqualization.equalize(in: &graph) }
        return outcome
    }

    /// Gemm(A, B, C, alpha, beta) with constant B (and C) becomes Gemm(A, alpha·B, beta·C) with
    /// alpha = beta = 1, the form integer kernels and QLinear ops take.
    static func normalizeGemmScalars(_ graph: inout Graph) {
        for index in graph.nodes.indices where graph.nodes[index].opType == "Gemm" && graph.nodes[index].isStandard {
            var node = graph.nodes[index]
            let alpha = (try? node.floatAttribute("alpha", default: 1)) ?? 1
            let beta = (try? node.floatAttribute("beta", default: 1)) ?? 1
            if alpha != 1, node.inputs.count > 1, let b = graph.fixedInitializer(node.inputs[1]), b.dataType == .float {
                node.inputs[1] = graph.addInitializer(Tensor(b.floats.map { $0 * alpha }, shape: b.shape), preferredName: node.inputs[1] + "_alpha")
                node.attributes["alpha"] = nil
            }
            if beta != 1, node.inputs.count > 2, !node.inputs[2].isEmpty, let c = graph.fixedInitializer(node.inputs[2]), c.dataType == .float {
                node.inputs[2] = graph.addInitializer(Tensor(c.floats.map { $0 * beta }, shape: c.shape), preferredName: node.inputs[2] + "_beta")
                node.attributes["beta"] = nil
            }
            graph.nodes[index] = node
        }
        graph.removeUnused()
    }

    /// Rewrites each Gemm target as MatMul(A, B') (+ Add(C)), B' = B transposed when transB=1,
    /// for the forms whose integer ops are matrix products (MatMulInteger, QLinearMatMul).
    /// Returns the targets with Gemm replaced by the new MatMul.
    static func gemmToMatMul(_ targets: [QuantTarget], in graph: inout Graph) -> [QuantTarget] {
        var result: [QuantTarget] = []
        for var target in targets {
            guard target.opType == "Gemm", let index = graph.nodes.firstIndex(where: { $0.outputs.first == target.output && $0.opType == "Gemm" }),
                let weight = graph.fixedInitializer(target.weight)
            else {
                result.append(target)
                continue
            }
            let gemm = graph.nodes[index]
            var matrix = weight
            if target.weightAxis == 0 {
                matrix = transposed(weight)
                // A weight only this Gemm reads is replaced under its own name (names cost file size).
                if graph.readers(of: target.weight).count == 1 {
                    graph.initializers[target.weight] = matrix
                } else {
                    target.weight = graph.addInitializer(matrix, preferredName: target.weight + "_transposed")
                }
            }
            target.weightAxis = 1
            target.opType = "MatMul"
            var replacement = [Node]()
            if let bias = target.bias ?? (gemm.inputs.count > 2 && !gemm.inputs[2].isEmpty ? gemm.inputs[2] : nil) {
                // Named after the node, shorter than the exporters' output names: the name is
                // repeated in the product's quantization parameters and costs file size.
                let product = graph.uniqueName((gemm.name.isEmpty ? target.output : gemm.name) + "_product")
                replacement.append(Node(name: gemm.name, opType: "MatMul", inputs: [target.activation, target.weight], outputs: [product]))
                replacement.append(Node(name: graph.uniqueName((gemm.name.isEmpty ? target.output : gemm.name) + "_bias"), opType: "Add", inputs: [product, bias], outputs: [target.output]))
                target.output = product
            } else {
                replacement.append(Node(name: gemm.name, opType: "MatMul", inputs: [target.activation, target.weight], outputs: [target.output]))
            }
            target.bias = nil
            graph.nodes.replaceSubrange(index...index, with: replacement)
            result.append(target)
        }
        graph.removeUnused()
        return result
    }

    static func transposed(_ matrix: Tensor) -> Tensor {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        let values = matrix.floats
        var result = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns { result[c * rows + r] = values[r * columns + c] }
        }
        return Tensor(result, shape: [columns, rows])
    }
}
