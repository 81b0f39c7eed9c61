/// Dynamic int8 quantization: weights int8 ahead of time (per channel or per tensor),
/// activations quantized at run time by DynamicQuantizeLinear (uint8, range of each run's
/// data). QOperator form: MatMulInteger / ConvInteger, then the int32 result times
/// input scale × weight scale, plus the float bias. QDQ form: DynamicQuantizeLinear ->
/// DequantizeLinear in front of the unchanged float op, weights through DequantizeLinear.
public struct DynamicQuantizationPass: OptimizationPass {
    public static let parameterDescriptors: [ParameterDescriptor] = [
        QuantizationParameters.format(default: "qoperator"),
        QuantizationParameters.perChannel,
        QuantizationParameters.opTypes,
        QuantizationParameters.excludeNodes,
        QuantizationParameters.excludeOpTypes,
    ]

    public let technique = Technique.named("quantize-int8-dynamic")!
    public let parameters: JSONValue
    let qoperator: Bool
    let perChannel: Bool
    let opTypes: Set<String>
    let excludeNodes: Set<String>
    let excludeOpTypes: Set<String>

    public init(_ values: ParameterValues) {
        parameters = values.json
        qoperator = values.string("format") == "qoperator"
        perChannel = values.boolean("per_channel")
        opTypes = QuantizationParameters.opTypes(values)
        excludeNodes = Set(values.strings("exclude_nodes"))
        excludeOpTypes = Set(values.strings("exclude_op_types"))
    }

    public func apply(to model: inout Model, context: PassContext) async throws -> PassReport {
        let excludedNodes = context.excludedNodes.union(excludeNodes)
        let excludedOpTypes = context.excludedOpTypes.union(excludeOpTypes)
        try QuantizationParameters.checkOpTypes(opTypes)
        try QuantTargets.checkExclusions(nodes: excludedNodes, in: model.graph)
        // DynamicQuantizeLinear needs opset 11; per-channel DequantizeLinear (QDQ form) 13.
        let wantedOpset = max(model.opset, perChannel && !qoperator ? 13 : 11)
        var working = model
        let opsetNotes = try OpsetUpgrade.upgrade(&working, to: wantedOpset)
        try await context.progress.report(0.1, "quantize-int8-dynamic: preparing")

        var graph = working.graph
        let preparation = QuantizationPreparation.prepare(&graph, equalize: !perChannel)
        var (targets, skipped) = QuantTargets.select(in: graph, opTypes: opTypes, excludedNodes: excludedNodes, excludedOpTypes: excludedOpTypes)
        let quantizedOps = QuantizationParameters.histogram(targets)
        guard !targets.isEmpty else {
            return PassReport(
                technique: technique.id, parameters: parameters, summary: "quantize-int8-dynamic: nothing to quantize (\(skipped.count) candidate nodes skipped)",
                details: .object(QuantizationParameters.reportDetails(targets: [], skipped: skipped, preparation: preparation, opsetNotes: [])),
                warnings: ["no node was quantized; the model is unchanged"])
        }
        if qoperator {
            targets = QuantizationPreparation.gemmToMatMul(targets, in: &graph)
        }
        let nodeIndex = Dictionary(graph.nodes.enumerated().compactMap { index, node in node.outputs.first.map { ($0, index) } }) { first, _ in first }
        var builder = QDQBuilder(graph: graph)
        var dynamicInputs: [String: (quantized: String, scale: String, zeroPoint: String)] = [:]
        var dequantizedInputs: [String: String] = [:]
        var replaced: Set<Int> = []
        for target in targets {
            guard let index = nodeIndex[target.output] else { continue }
            let x = target.activation
            let dynamic: (quantized: String, scale: String, zeroPoint: String)
            if let existing = dynamicInputs[x] {
                dynamic = existing
            } else {
                dynamic = (builder.fresh(x + "_quantized"), builder.fresh(x + "_scale"), builder.fresh(x + "_zero_point"))
                builder.addNode(Node(name: builder.fresh(x + "_DynamicQuantizeLinear"), opType: "DynamicQuantizeLinear", inputs: [x], outputs: [dynamic.quantized, dynamic.scale, dynamic.zeroPoint]))
                dynamicInputs[x] = dynamic
            }
            let node = builder.graph.nodes[index]
            if qoperator {
                guard let weight = builder.graph.fixedInitializer(target.weight) else { continue }
                let quantized = QuantizedWeight(weight, axis: perChannel ? target.weightAxis : nil)
                integerForm(of: node, target: target, weight: quantized, input: dynamic, builder: &builder)
                replaced.insert(index)
            } else {
                guard let weight = builder.dequantizedWeight(target.weight, axis: perChannel ? target.weightAxis : nil) else { continue }
                let dequantized: String
                if let existing = dequantizedInputs[x] {
                    dequantized = existing
                } else {
                    dequantized = builder.fresh(x + "_dequantized")
                    builder.addNode(Node(name: builder.fresh(x + "_DequantizeLinear"), opType: "DequantizeLinear", inputs: [dynamic.quantized, dynamic.scale, dynamic.zeroPoint], outputs: [dequantized]))
                    dequantizedInputs[x] = dequantized
                }
                builder.graph.nodes[index].inputs[0] = dequantized
                builder.graph.nodes[index].inputs[1] = weight.output
            }
        }
        builder.graph.removeNodes(at: replaced)
        graph = try builder.finish()
        working.graph = graph
        try await context.progress.report(1, "quantize-int8-dynamic: done")
        model = working

        var details = QuantizationParameters.reportDetails(targets: targets, skipped: skipped, preparation: preparation, opsetNotes: opsetNotes)
        details["format"] = .string(qoperator ? "qoperator" : "qdq")
        let summary = "quantize-int8-dynamic (\(qoperator ? "QOperator" : "QDQ")): \(targets.count) of \(targets.count + skipped.count) nodes to int8 (\(quantizedOps)); \(perChannel ? "per-channel" : "per-tensor") weights, activations quantized at run time"
        return PassReport(technique: technique.id, parameters: parameters, summary: summary, details: .object(details), warnings: [])
    }

    /// MatMulInteger or ConvInteger on the run-time quantized input and int8 weight, the int32
    /// result cast to float and scaled by input scale × weight scale, then the float bias:
    /// the node's output name is kept.
    private func integerForm(
        of node: Node, target: QuantTarget, weight: QuantizedWeight,
        input: (quantized: String, scale: String, zeroPoint: String), builder: inout QDQBuilder
    ) {
        let base = target.name
        let weightName = builder.addConstant(weight.values, target.weight + "_quantized")
        let accumulator = builder.fresh(target.output + "_int32")
        // Symmetric weights have zero point 0, the default: omitted (ConvInteger in onnxruntime
        // accepts only a scalar weight zero point).
        if target.opType == "Conv" {
            builder.addNode(Node(name: node.name, opType: "ConvInteger", inputs: [input.quantized, weightName, input.zeroPoint], outputs: [accumulator], attributes: node.attributes))
        } else {
            builder.addNode(Node(name: node.name, opType: "MatMulInteger", inputs: [input.quantized, weightName, input.zeroPoint], outputs: [accumulator]))
        }
        let asFloat = builder.fresh(target.output + "_int32_float")
        builder.addNode(Node(name: builder.fresh(base + "_Cast"), opType: "Cast", inputs: [accumulator], outputs: [asFloat], attributes: ["to": .int(Int(DataType.float.rawValue))]))
        // Conv's channels are axis 1 of its output: the scales are shaped [C, 1, …] to broadcast.
        let rank = target.opType == "Conv" ? (builder.graph.fixedInitializer(target.weight)?.rank ?? 4) : 1
        let channelShape = weight.axis == nil ? [Int]() : (target.opType == "Conv" ? [weight.scales.count] + [Int](repeating: 1, count: rank - 2) : [weight.scales.count])
        let weightScale = builder.addConstant(Tensor(weight.scales, shape: channelShape), target.weight + "_scale")
        let combined = builder.fresh(target.output + "_scale")
        builder.addNode(Node(name: builder.fresh(base + "_scale_Mul"), opType: "Mul", inputs: [input.scale, weightScale], outputs: [combined]))
        let hasBias = target.opType == "Conv" && target.bias != nil
        let scaled = hasBias ? builder.fresh(target.output + "_unbiased") : target.output
        builder.addNode(Node(name: builder.fresh(base + "_output_Mul"), opType: "Mul", inputs: [asFloat, combined], outputs: [scaled]))
        if hasBias, let biasName = target.bias, let bias = builder.graph.fixedInitializer(biasName) {
            let shaped = builder.addConstant(Tensor(bias.floats, shape: [bias.count] + [Int](repeating: 1, count: rank - 2)), biasName + "_channels")
            builder.addNode(Node(name: builder.fresh(base + "_bias_Add"), opType: "Add", inputs: [scaled, shaped], outputs: [target.output]))
        }
    }
}
