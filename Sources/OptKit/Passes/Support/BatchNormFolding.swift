import Foundation

/// Folds an inference-mode BatchNormalization into the Conv, Gemm or MatMul(+Add) that produces
/// its input: the per-channel scale goes into the weights and the shift into the bias. Besides
/// saving an op, this matters for float16 and int8: running variances can be huge (1e8 has been
/// seen in a shipped detector), which overflows float16 when converted on their own, and a
/// BatchNormalization between a Conv and its activation hides the Conv from quantization.
enum BatchNormFolding {
    /// Folds every foldable BatchNormalization; returns the names of the folded nodes.
    static func fold(in graph: inout Graph) -> [String] {
        var folded: [String] = []
        var changed = true
        while changed {
            changed = false
            for index in graph.nodes.indices where graph.nodes[index].opType == "BatchNormalization" && graph.nodes[index].isStandard {
                let bn = graph.nodes[index]
                if foldOne(at: index, in: &graph) {
                    // The producer now writes the BatchNormalization's output; drop the node
                    // itself (found again by its op type, since a fold may insert a node).
                    folded.append(bn.displayName)
                    graph.nodes.removeAll { $0.opType == "BatchNormalization" && $0.outputs == bn.outputs && $0.inputs == bn.inputs }
                    changed = true
                    break
                }
            }
        }
        graph.removeUnused()
        return folded
    }

    /// The BatchNormalization at `index` as a per-channel affine map y = x * scale + shift,
    /// when it is in inference mode with constant float parameters.
    private static func affine(of node: Node, in graph: Graph) -> (scale: [Double], shift: [Double])? {
        guard node.inputs.count == 5, (try? node.intAttribute("training_mode", default: 0)) == 0,
            node.outputs.dropFirst().allSatisfy({ $0.isEmpty || graph.readers(of: $0).isEmpty && !graph.isGraphOutput($0) }),
            let epsilon = try? node.floatAttribute("epsilon", default: 1e-5)
        else { return nil }
        let parameters = node.inputs[1...].compactMap { graph.fixedInitializer($0) }
        guard parameters.count == 4, parameters.allSatisfy({ $0.dataType == .float && $0.rank == 1 }),
            Set(parameters.map(\.count)).count == 1
        else { return nil }
        let (gamma, beta, mean, variance) = (parameters[0].floats, parameters[1].floats, parameters[2].floats, parameters[3].floats)
        var scale = [Double](repeating: 0, count: gamma.count)
        var shift = scale
        for c in gamma.indices {
            // Double keeps a variance of 1e8 and a small epsilon exact enough.
            scale[c] = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            shift[c] = Double(beta[c]) - Double(mean[c]) * scale[c]
        }
        guard scale.allSatisfy(\.isFinite), shift.allSatisfy(\.isFinite) else { return nil }
        return (scale, shift)
    }

    private static func foldOne(at index: Int, in graph: inout Graph) -> Bool {
        let bn = graph.nodes[index]
        guard let x = bn.inputs.first, let output = bn.outputs.first, !output.isEmpty,
            !graph.isGraphOutput(x), graph.readers(of: x) == [index],
            let producerIndex = graph.producer(of: x), let (scale, shift) = affine(of: bn, in: graph)
        else { return false }
        let producer = graph.nodes[producerIndex]
        guard producer.isStandard, producer.outputs.count == 1 else { return false }
        switch producer.opType {
        case "Conv":
            return foldIntoConv(producerIndex, scale: scale, shift: shift, output: output, in: &graph)
        case "Gemm":
            return foldIntoGemm(producerIndex, scale: scale, shift: shift, output: output, in: &graph)
        case "Add":
            return foldIntoMatMulAdd(producerIndex, scale: scale, shift: shift, output: output, in: &graph)
        case "MatMul":
            return foldIntoMatMul(producerIndex, scale: scale, shift: shift, output: output, in: &graph)
        default:
            return false
        }
    }

    private static func foldIntoConv(_ index: Int, scale: [Double], shift: [Double], output: String, in graph: inout Graph) -> Bool {
        var conv = graph.nodes[index]
        guard conv.inputs.count >= 2, let w = graph.fixedInitializer(conv.inputs[1]), w.dataType == .float, w.rank >= 3,
            w.shape[0] == scale.count
        else { return false }
        var bias = [Double](repeating: 0, count: scale.count)
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
            guard let b = graph.fixedInitializer(conv.inputs[2]), b.dataType == .float, b.count == scale.count else { return false }
            bias = b.floats.map(Double.init)
        }
        let newWeight = scaled(w, by: scale, axis: 0)
        let newBias = Tensor(zip(bias, zip(scale, shift)).map { Float($0 * $1.0 + $1.1) }, shape: [scale.count])
        conv.inputs[1] = graph.addInitializer(newWeight, preferredName: conv.inputs[1] + "_bn_folded")
        let biasName = graph.addInitializer(newBias, preferredName: (conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? conv.inputs[2] : conv.inputs[1]) + "_bias_bn_folded")
        if conv.inputs.count > 2 { conv.inputs[2] = biasName } else { conv.inputs.append(biasName) }
        conv.outputs = [output]
        graph.nodes[index] = conv
        return true
    }

    private static func foldIntoGemm(_ index: Int, scale: [Double], shift: [Double], output: String, in graph: inout Graph) -> Bool {
        var gemm = graph.nodes[index]
        let transB = (try? gemm.intAttribute("transB", default: 0)) ?? 0
        let beta = Double((try? gemm.floatAttribute("beta", default: 1)) ?? 1)
        guard gemm.inputs.count >= 2, let b = graph.fixedInitializer(gemm.inputs[1]), b.dataType == .float, b.rank == 2 else { return false }
        let axis = transB == 1 ? 0 : 1
        guard b.shape[axis] == scale.count else { return false }
        var c = [Double](repeating: 0, count: scale.count)
        if gemm.inputs.count > 2, !gemm.inputs[2].isEmpty {
            guard let cTensor = graph.fixedInitializer(gemm.inputs[2]), cTensor.dataType == .float, cTensor.count == scale.count,
                cTensor.shape.last == scale.count
            else { return false }
            c = cTensor.floats.map { Double($0) * beta }
        }
        gemm.inputs[1] = graph.addInitializer(scaled(b, by: scale, axis: axis), preferredName: gemm.inputs[1] + "_bn_folded")
        let newC = Tensor(zip(c, zip(scale, shift)).map { Float($0 * $1.0 + $1.1) }, shape: [scale.count])
        let cName = graph.addInitializer(newC, preferredName: gemm.inputs[1] + "_bias")
        if gemm.inputs.count > 2 { gemm.inputs[2] = cName } else { gemm.inputs.append(cName) }
        gemm.attributes["beta"] = .float(1)
        gemm.outputs = [output]
        graph.nodes[index] = gemm
        return true
    }

    /// MatMul(x, W) + bias, then BatchNormalization over the last axis of a 2-D value.
    private static func foldIntoMatMulAdd(_ index: Int, scale: [Double], shift: [Double], output: String, in graph: inout Graph) -> Bool {
        var add = graph.nodes[index]
        guard add.inputs.count == 2 else { return false }
        for (position, other) in [(0, 1), (1, 0)] {
            guard let matmulIndex = graph.producer(of: add.inputs[position]), graph.nodes[matmulIndex].opType == "MatMul",
                graph.readers(of: add.inputs[position]) == [index], !graph.isGraphOutput(add.inputs[position]),
                let bias = graph.fixedInitializer(add.inputs[other]), bias.dataType == .float, bias.count == scale.count,
                bias.shape.last == scale.count,
                let w = graph.fixedInitializer(graph.nodes[matmulIndex].inputs[1]), w.dataType == .float, w.rank == 2,
                w.shape[1] == scale.count
            else { continue }
            graph.nodes[matmulIndex].inputs[1] = graph.addInitializer(scaled(w, by: scale, axis: 1), preferredName: graph.nodes[matmulIndex].inputs[1] + "_bn_folded")
            let newBias = Tensor(zip(bias.floats, zip(scale, shift)).map { Float(Double($0) * $1.0 + $1.1) }, shape: [scale.count])
            add.inputs[other] = graph.addInitializer(newBias, preferredName: add.inputs[other] + "_bn_folded")
            add.outputs = [output]
            graph.nodes[index] = add
            return true
        }
        return false
    }

    /// MatMul(x, W) straight into BatchNormalization: the shift becomes a new Add.
    private static func foldIntoMatMul(_ index: Int, scale: [Double], shift: [Double], output: String, in graph: inout Graph) -> Bool {
        var matmul = graph.nodes[index]
        guard matmul.inputs.count == 2, let w = graph.fixedInitializer(matmul.inputs[1]), w.dataType == .float, w.rank == 2,
            w.shape[1] == scale.count
        else { return false }
        matmul.inputs[1] = graph.addInitializer(scaled(w, by: scale, axis: 1), preferredName: matmul.inputs[1] + "_bn_folded")
        let product = graph.uniqueName(output + "_matmul")
        matmul.outputs = [product]
        graph.nodes[index] = matmul
        let shiftName = graph.addInitializer(Tensor(shift.map(Float.init), shape: [shift.count]), preferredName: output + "_bn_shift")
        graph.nodes.insert(Node(name: graph.uniqueName(output + "_bn_add"), opType: "Add", inputs: [product, shiftName], outputs: [output]), at: index + 1)
        return true
    }

    /// `tensor` with every slice along `axis` multiplied by its channel's factor.
    static func scaled(_ tensor: Tensor, by factors: [Double], axis: Int) -> Tensor {
        let outer = tensor.shape[..<axis].reduce(1, *)
        let channels = tensor.shape[axis]
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        var values = tensor.floats
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                for i in 0..<inner { values[base + i] = Float(Double(values[base + i]) * factors[c]) }
            }
        }
        return Tensor(values, shape: tensor.shape)
    }
}
