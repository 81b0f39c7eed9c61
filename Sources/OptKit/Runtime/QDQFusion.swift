/// The executor's rewrite of a QDQ graph into fused integer ops, applied before planning.
///
/// A QDQ model (what `quantize-int8` writes in QDQ form, and what other tools write) keeps every
/// quantized op as float: DequantizeLinear(x_q) and DequantizeLinear(int8 weight) feed a float
/// Conv, MatMul or Gemm, whose output goes through QuantizeLinear to the next layer. Run as
/// written, that is dequantize-then-fp32 and no faster than the float model. This rewrite finds
///
///     DQ(x_q, scalar scale) ─┐
///     DQ(W_q constant)  ─────┼─ Conv | MatMul | Gemm ─ [Relu] ─ [QuantizeLinear(scalar)]
///     [bias: float constant, or DQ of an int32 constant]
///
/// and replaces it with one node of its own domain that runs the integer kernel on x_q and the
/// packed W_q, writing the quantized output directly (or a float output when no
/// QuantizeLinear follows). Results differ from the unfused graph only by rounding: the
/// products are summed exactly in int32 instead of in float. DequantizeLinear nodes left
/// without readers are removed. The graph passed in is not changed; the executor prepares the
/// rewritten copy.
enum QDQFusion {
    static let domain = "ai.optctl.fused"

    static let factories: [String: KernelFactory] = [
        "QLinearMatMul": { node, _ in IntegerMatMulKernel(node: node, mode: .fused) },
        "QLinearConv": { node, _ throws(EngineError) in try IntegerConvKernel(node: node, mode: .fused) },
        ChannelsLast.quantizeOp: { node, _ throws(EngineError) in try ChannelsLastQuantizeKernel(node: node) },
    ]

    /// Whether the graph holds anything this rewrite looks for (cheap; most graphs have none).
    static func applies(to graph: Graph) -> Bool {
        graph.nodes.contains { $0.opType == "DequantizeLinear" && KernelRegistry.isDefaultDomain($0.domain) }
    }

    static func rewrite(_ graph: Graph) -> Graph {
        guard applies(to: graph) else { return graph }
        var graph = graph
        let fed = Set(graph.inputs.map(\.name))
        let graphOutputs = Set(graph.outputs.map(\.name))
        func constant(_ name: String) -> Tensor? {
            guard !name.isEmpty, !fed.contains(name) else { return nil }
            return graph.initializers[name]
        }
        let producers = graph.producers()
        var consumers = graph.consumers()
        var removed = Set<Int>()
        var replacements: [Int: Node] = [:]

        /// The DequantizeLinear node producing `value`, unless already consumed by a fusion.
        func dequantizer(of value: String) -> Node? {
            guard let index = producers[value], !removed.contains(index) else { return nil }
            let node = graph.nodes[index]
            guard node.opType == "DequantizeLinear", KernelRegistry.isDefaultDomain(node.domain),
                node.inputs.count >= 2, (try? node.intAttribute("block_size", default: 0)) == 0
            else { return nil }
            return node
        }

        /// The only reader of `value`, when there is exactly one and `value` is not a graph output.
        func soleReader(of value: String) -> Int? {
            guard !graphOutputs.contains(value), let readers = consumers[value], readers.count == 1,
                !removed.contains(readers[0])
            else { return nil }
            return readers[0]
        }

        /// A QuantizeLinear with a scalar constant scale and an 8-bit constant zero point.
        func quantizer(_ index: Int) -> Node? {
            let node = graph.nodes[index]
            guard node.opType == "QuantizeLinear", KernelRegistry.isDefaultDomain(node.domain),
                node.inputs.count >= 3, let scale = constant(node.inputs[1]), scale.count == 1,
                scale.dataType == .float, let zero = constant(node.inputs[2]), zero.count == 1,
                zero.dataType == .uint8 || zero.dataType == .int8
            else { return nil }
            return node
        }

        /// The axis of a per-axis DequantizeLinear, normalized (ONNX's default is 1).
        func channelAxis(_ node: Node, rank: Int) -> Int? {
            guard let axis = try? node.intAttribute("axis", default: 1), axis >= -rank, axis < rank else { return nil }
            return axis < 0 ? axis + rank : axis
        }

        /// One float per output channel: a float constant, or the dequantized int32 constant.
        func floatBias(_ name: String, channels: Int) -> [Float]? {
            if let tensor = constant(name) {
                guard tensor.dataType == .float, tensor.count == channels else { return nil }
                return tensor.elements(Float.self)
            }
            guard let dq = dequantizer(of: name), let values = constant(dq.inputs[0]), values.dataType == .int32,
                values.count == channels, let scale = constant(dq.inputs[1]), scale.dataType == .float,
                scale.count == 1 || scale.count == channels
            else { return nil }
            var zero = [Int32](repeating: 0, count: scale.count)
            if dq.inputs.count > 2, !dq.inputs[2].isEmpty {
                guard let z = constant(dq.inputs[2]), z.dataType == .int32, z.count == scale.count else { return nil }
                zero = z.elements(Int32.self)
            }
            let raw = values.elements(Int32.self), scales = scale.elements(Float.self)
            return (0..<channels).map { c in
                let p = scales.count == 1 ? 0 : c
                return (Float(raw[c]) - Float(zero[p])) * scales[p]
            }
        }

        func freshName(_ base: String) -> String {
            var name = base
            var counter = 1
            while graph.initializers[name] != nil || producers[name] != nil || fed.contains(name) {
                name = "\(base)_\(counter)"
                counter += 1
            }
            return name
        }

        for index in graph.nodes.indices {
            let node = graph.nodes[index]
            guard KernelRegistry.isDefaultDomain(node.domain), ["Conv", "MatMul", "Gemm"].contains(node.opType),
                node.inputs.count >= 2, let output = node.outputs.first, !output.isEmpty
            else { continue }
            // The activation: DQ of an 8-bit value with a scalar constant scale and zero point.
            guard let dx = dequantizer(of: node.inputs[0]), let xScale = constant(dx.inputs[1]), xScale.count == 1,
                xScale.dataType == .float
            else { continue }
            let xZeroName = dx.inputs.count > 2 ? dx.inputs[2] : ""
            if !xZeroName.isEmpty {
                guard let zero = constant(xZeroName), zero.count == 1, zero.dataType == .uint8 || zero.dataType == .int8 else { continue }
            }
            // The weight: DQ of an 8-bit constant, per tensor or per output channel.
            guard let dw = dequantizer(of: node.inputs[1]), let weight = constant(dw.inputs[0]),
                weight.dataType == .int8 || weight.dataType == .uint8, let wScale = constant(dw.inputs[1]),
                wScale.dataType == .float
            else { continue }
            let wZeroName = dw.inputs.count > 2 ? dw.inputs[2] : ""
            if !wZeroName.isEmpty {
                guard let zero = constant(wZeroName), zero.dataType == weight.dataType, zero.count == wScale.count else { continue }
            }
            let transB: Bool
            var biasName = ""
            var biasSource: String?
            switch node.opType {
            case "Conv":
                guard weight.rank == 3 || weight.rank == 4 else { continue }
                if wScale.count > 1 {
                    guard wScale.count == weight.shape[0], channelAxis(dw, rank: weight.rank) == 0 else { continue }
                }
                transB = false
                if node.inputs.count > 2, !node.inputs[2].isEmpty { biasSource = node.inputs[2] }
            default:
                let isGemm = node.opType == "Gemm"
                transB = isGemm && (try? node.intAttribute("transB", default: 0)) == 1
                if isGemm {
                    guard (try? node.intAttribute("transA", default: 0)) == 0,
                        (try? node.floatAttribute("alpha", default: 1)) == 1,
                        (try? node.floatAttribute("beta", default: 1)) == 1
                    else { continue }
                    if node.inputs.count > 2, !node.inputs[2].isEmpty { biasSource = node.inputs[2] }
                }
                guard weight.rank == 2 else { continue }
                let n = transB ? weight.shape[0] : weight.shape[1]
                if wScale.count > 1 {
                    guard wScale.count == n, channelAxis(dw, rank: 2) == (transB ? 0 : 1) else { continue }
                }
            }
            let channels = node.opType == "Conv" ? weight.shape[0] : (transB ? weight.shape[0] : weight.shape[1])
            if let biasSource {
                guard let values = floatBias(biasSource, channels: channels) else { continue }
                biasName = freshName(node.displayName + "_fused_bias")
                graph.initializers[biasName] = Tensor(values, shape: [channels])
            }

            // The output: QuantizeLinear (after an optional Relu) or float.
            var outputName = output
            var relu = false
            var yScale = "", yZero = ""
            var absorbed: [Int] = []
            if let reader = soleReader(of: output) {
                if let q = quantizer(reader) {
                    outputName = q.outputs[0]
                    (yScale, yZero) = (q.inputs[1], q.inputs[2])
                    absorbed = [reader]
                } else if graph.nodes[reader].opType == "Relu", KernelRegistry.isDefaultDomain(graph.nodes[reader].domain),
                    let reluOutput = graph.nodes[reader].outputs.first, let next = soleReader(of: reluOutput),
                    let q = quantizer(next) {
                    outputName = q.outputs[0]
                    (yScale, yZero) = (q.inputs[1], q.inputs[2])
                    relu = true
                    absorbed = [reader, next]
                }
            }
            var attributes = node.opType == "Conv" ? node.attributes : [:]
            attributes["relu"] = .int(relu ? 1 : 0)
            attributes["trans_b"] = .int(transB ? 1 : 0)
            let fused = Node(
                name: node.name, opType: node.opType == "Conv" ? "QLinearConv" : "QLinearMatMul", domain: domain,
                inputs: [dx.inputs[0], dx.inputs[1], xZeroName, dw.inputs[0], dw.inputs[1], wZeroName, yScale, yZero, biasName],
                outputs: [outputName], attributes: attributes)
            replacements[index] = fused
            removed.formUnion(absorbed)
        }
        guard !replacements.isEmpty else {
            // Nothing to fuse (a QOperator model): its QLinearConv chains may still run
            // channels-last.
            assignChannelsLast(&graph)
            return graph
        }
        var nodes: [Node] = []
        for (index, node) in graph.nodes.enumerated() where !removed.contains(index) {
            nodes.append(replacements[index] ?? node)
        }
        graph.nodes = nodes
        // DequantizeLinear nodes nobody reads any more (their readers were fused).
        while true {
            consumers = graph.consumers()
            let dead = graph.nodes.indices.filter { index in
                let node = graph.nodes[index]
                return node.opType == "DequantizeLinear" && KernelRegistry.isDefaultDomain(node.domain)
                    && node.outputs.allSatisfy { $0.isEmpty || (consumers[$0] == nil && !graphOutputs.contains($0)) }
            }
            if dead.isEmpty { break }
            let deadSet = Set(dead)
            graph.nodes = graph.nodes.enumerated().filter { !deadSet.contains($0.offset) }.map(\.element)
        }
        assignChannelsLast(&graph)
        return graph
    }

    /// Chooses the channels-last layout (`ChannelsLast`) for the 8-bit values passed between
    /// quantized convolutions (fused, or QLinearConv as a QOperator model writes it), so that
    /// each one runs as an implicit GEMM without im2col (`ck_qconv_nhwc`) and writes its output
    /// in the layout the next one reads.
    ///
    /// A value is channels-last when it is produced by a QuantizeLinear (scalar scale, uint8
    /// zero point; rewritten to `ChannelsLast.quantizeOp`) or by a channels-last convolution
    /// with a quantized output, is not a graph output, and every reader is a convolution the
    /// channels-last kernel can run that reads it as x. Such a convolution is 2-D with one
    /// group, int8 weights of zero point 0 and a uint8 x (what static quantizers write by
    /// default); anything else keeps the standard layout and the im2col kernel.
    static func assignChannelsLast(_ graph: inout Graph) {
        guard let order = try? graph.topologicalOrder() else { return }
        let fed = Set(graph.inputs.map(\.name))
        let graphOutputs = Set(graph.outputs.map(\.name))
        let consumers = graph.consumers(), producers = graph.producers()
        let initializers = graph.initializers
        func constant(_ name: String) -> Tensor? {
            guard !name.isEmpty, !fed.contains(name) else { return nil }
            return initializers[name]
        }
        func isScalarUInt8(_ name: String) -> Bool {
            guard let zero = constant(name) else { return false }
            return zero.dataType == .uint8 && zero.count == 1
        }
        /// A fused convolution, or a QLinearConv as written (QOperator form, whose inputs are
        /// the same but for the int32 bias).
        func runsChannelsLast(_ node: Node) -> Bool {
            guard node.domain == domain || KernelRegistry.isDefaultDomain(node.domain), node.opType == "QLinearConv",
                node.inputs.count >= (node.domain == domain ? 9 : 8),
                (try? node.intAttribute("group", default: 1)) == 1,
                let weight = constant(node.inputs[3]), weight.dataType == .int8, weight.rank == 4,
                isScalarUInt8(node.inputs[2])
            else { return false }
            if !node.inputs[5].isEmpty {
                guard let zero = constant(node.inputs[5]), zero.dataType == .int8,
                    zero.elements(Int8.self).allSatisfy({ $0 == 0 })
                else { return false }
            }
            return true
        }
        /// Every reader of `value` is a convolution the channels-last kernel runs, reading it as x.
        func onlyConvolutionsRead(_ value: String) -> Bool {
            guard !value.isEmpty, !graphOutputs.contains(value), let readers = consumers[value], !readers.isEmpty else { return false }
            return readers.allSatisfy { index in
                let reader = graph.nodes[index]
                return runsChannelsLast(reader) && reader.inputs[0] == value && !reader.inputs.dropFirst().contains(value)
            }
        }
        /// A QuantizeLinear the executor might fold into the float kernel before it (after a
        /// Tanh or GELU) stays as it is: that fusion saves a whole step.
        func foldable(_ value: String) -> Bool {
            guard let index = producers[value] else { return false }
            let producer = graph.nodes[index]
            return producer.domain == domain || ["Tanh", "Gelu", "Mul", "MatMul", "Gemm", "Conv"].contains(producer.opType)
        }
        var channelsLast = Set<String>()
        for index in order {
            var node = graph.nodes[index]
            if runsChannelsLast(node) {
                guard channelsLast.contains(node.inputs[0]) else { continue }
                node.attributes[ChannelsLast.inputAttribute] = .int(1)
                if !node.inputs[6].isEmpty, let output = node.outputs.first, node.outputs.count == 1, onlyConvolutionsRead(output) {
                    node.attributes[ChannelsLast.outputAttribute] = .int(1)
                    channelsLast.insert(output)
                }
                graph.nodes[index] = node
            } else if KernelRegistry.isDefaultDomain(node.domain), node.opType == "QuantizeLinear", node.inputs.count >= 3,
                node.outputs.count == 1, let scale = constant(node.inputs[1]), scale.dataType == .float, scale.count == 1,
                isScalarUInt8(node.inputs[2]), (try? node.intAttribute("block_size", default: 0)) == 0,
                [0, Int(DataType.uint8.rawValue)].contains((try? node.intAttribute("output_dtype", default: 0)) ?? -1),
                [0, Int(DataType.float.rawValue)].contains((try? node.intAttribute("precision", default: 0)) ?? -1),
                !foldable(node.inputs[0]), onlyConvolutionsRead(node.outputs[0]) {
                graph.nodes[index] = Node(
                    name: node.name, opType: ChannelsLast.quantizeOp, domain: domain, inputs: Array(node.inputs.prefix(3)),
                    outputs: node.outputs, attributes: [:])
                channelsLast.insert(node.outputs[0])
            }
        }
        for value in channelsLast { writePaddingOut(value, &graph, producer: producers[value], readers: consumers[value] ?? []) }
    }

    /// A channels-last value whose readers all pad the same way (explicit 2-D pads, not all 0)
    /// is written with that padding around it (`ChannelsLast.borderAttribute` on its producer),
    /// and its readers read it unpadded (`ChannelsLast.paddedInputAttribute`): the producer
    /// writes the border once instead of each reader copying the image into a padded one.
    private static func writePaddingOut(_ value: String, _ graph: inout Graph, producer: Int?, readers: [Int]) {
        guard let producer, !readers.isEmpty else { return }
        func pads(_ node: Node) -> [Int]? {
            guard ["", "NOTSET"].contains((try? node.stringAttribute("auto_pad")) ?? "NOTSET") else { return nil }
            guard let pads = try? node.intsAttribute("pads") else { return [0, 0, 0, 0] }
            return pads.count == 4 && pads.allSatisfy({ $0 >= 0 }) ? pads : nil
        }
        let all = readers.map { pads(graph.nodes[$0]) }
        guard let border = all[0], border.contains(where: { $0 > 0 }), all.allSatisfy({ $0 == border }) else { return }
        graph.nodes[producer].attributes[ChannelsLast.borderAttribute] = .ints(border)
        for reader in readers { graph.nodes[reader].attributes[ChannelsLast.paddedInputAttribute] = .int(1) }
    }
}
