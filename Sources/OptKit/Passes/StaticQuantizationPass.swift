/// Static int8 quantization: weights int8 (per channel or per tensor), activations int8 with
/// ranges measured on calibration data, in QDQ form (QuantizeLinear/DequantizeLinear around the
/// float ops) or QOperator form (QLinearConv / QLinearMatMul). See docs/quantization.md.
public struct StaticQuantizationPass: OptimizationPass {
    public static let parameterDescriptors: [ParameterDescriptor] = [
        QuantizationParameters.format(default: "qdq"),
        ParameterDescriptor(
            name: "method", kind: .choice(CalibrationMethod.allCases.map(\.rawValue)), defaultValue: .string("minmax"),
            summary: "activation ranges: minmax (observed extremes), percentile (tails cut), entropy (KL-optimal clipping)"),
        ParameterDescriptor(
            name: "percentile", kind: .number(90...100), defaultValue: .number(99.99),
            summary: "percent of values the percentile method keeps inside the range"),
        QuantizationParameters.perChannel,
        ParameterDescriptor(
            name: "symmetric_activations", kind: .boolean, defaultValue: .bool(false),
            summary: "int8 activations with zero point 0 instead of uint8 over the observed range"),
        QuantizationParameters.opTypes,
        QuantizationParameters.excludeNodes,
        QuantizationParameters.excludeOpTypes,
        ParameterDescriptor(
            name: "synthetic_samples", kind: .integer(1...1024), defaultValue: .number(8),
            summary: "samples drawn from the declared input shapes when no calibration data is given"),
    ]

    public let technique = Technique.named("quantize-int8")!
    public let parameters: JSONValue
    let qoperator: Bool
    let method: CalibrationMethod
    let percentile: Double
    let perChannel: Bool
    let symmetric: Bool
    let opTypes: Set<String>
    let excludeNodes: Set<String>
    let excludeOpTypes: Set<String>
    let syntheticSamples: Int

    public init(_ values: ParameterValues) {
        parameters = values.json
        qoperator = values.string("format") == "qoperator"
        method = CalibrationMethod(rawValue: values.string("method")) ?? .minMax
        percentile = values.number("percentile")
        perChannel = values.boolean("per_channel")
        symmetric = values.boolean("symmetric_activations")
        opTypes = QuantizationParameters.opTypes(values)
        excludeNodes = Set(values.strings("exclude_nodes"))
        excludeOpTypes = Set(values.strings("exclude_op_types"))
        syntheticSamples = values.integer("synthetic_samples")
    }

    public func apply(to model: inout Model, context: PassContext) async throws -> PassReport {
        // Everything that can be wrong with the request or the data is found before any work.
        let excludedNodes = context.excludedNodes.union(excludeNodes)
        let excludedOpTypes = context.excludedOpTypes.union(excludeOpTypes)
        try QuantizationParameters.checkOpTypes(opTypes)
        try QuantTargets.checkExclusions(nodes: excludedNodes, in: model.graph)
        var warnings: [String] = []
        let source: any SampleSource
        if let given = context.calibration {
            source = given
        } else {
            source = try SyntheticSampleSource(inputs: model.graph.inputs, count: syntheticSamples)
            warnings.append("no calibration data given: activation ranges come from \(source.description); give representative inputs for accurate ranges")
        }
        let expected = try await CalibrationData.validate(source, model: model, progress: context.progress, share: 0...0.05)
        let wantedOpset = max(model.opset, perChannel && !qoperator ? 13 : 10)
        var probe = model
        _ = try OpsetUpgrade.upgrade(&probe, to: wantedOpset)

        var working = model
        var graph = working.graph
        let preparation = QuantizationPreparation.prepare(&graph, equalize: !perChannel)
        var (targets, skipped) = QuantTargets.select(in: graph, opTypes: opTypes, excludedNodes: excludedNodes, excludedOpTypes: excludedOpTypes)
        let quantizedOps = QuantizationParameters.histogram(targets)
        guard !targets.isEmpty else {
            warnings.append("no node was quantized; the model is unchanged")
            return PassReport(
                technique: technique.id, parameters: parameters, summary: "quantize-int8: nothing to quantize (\(skipped.count) candidate nodes skipped)",
                details: .object(QuantizationParameters.reportDetails(targets: [], skipped: skipped, preparation: preparation, opsetNotes: [])),
                warnings: warnings)
        }
        if qoperator {
            targets = QuantizationPreparation.gemmToMatMul(targets, in: &graph)
        }

        // Which activations: every target's data input, and a target's output (after a Relu it
        // feeds alone) when it feeds another target or the QOperator form needs it.
        let fuseRelu = !qoperator || !symmetric
        let targetInputs = Set(targets.map(\.activation))
        var outputs: [String] = []
        for target in targets {
            var tensor = target.output
            let readers = graph.readers(of: tensor)
            if fuseRelu, !graph.isGraphOutput(tensor), readers.count == 1, graph.nodes[readers[0]].opType == "Relu",
                let reluOutput = graph.nodes[readers[0]].outputs.first {
                tensor = reluOutput
            }
            if qoperator || targetInputs.contains(tensor) { outputs.append(tensor) }
        }
        var observed: [String] = []
        for name in targets.map(\.activation) + outputs where !observed.contains(name) { observed.append(name) }

        let calibrator = Calibrator(
            graph: graph, opsets: working.opsetImports, tensors: observed, method: method, percentile: percentile,
            symmetric: symmetric, threads: context.threads)
        let calibration = try await calibrator.run(source, expected: expected, progress: context.progress, share: 0.05...0.9)
        try await context.progress.report(0.9, "quantize-int8: rewriting the graph")

        var parametersByTensor: [String: QuantParameters] = [:]
        for (name, range) in calibration.ranges {
            parametersByTensor[name] = QuantParameters.activation(low: range.low, high: range.high, symmetric: symmetric)
        }
        let nodeIndex = Dictionary(graph.nodes.enumerated().compactMap { index, node in node.outputs.first.map { ($0, index) } }) { first, _ in first }
        var builder = QDQBuilder(graph: graph)
        for tensor in outputs {
            if let parameters = parametersByTensor[tensor] { builder.quantizeOutput(tensor, parameters) }
        }
        var quantized: [QuantTarget] = []
        for target in targets {
            guard let index = nodeIndex[target.output] else { continue }
            guard let inputParameters = parametersByTensor[target.activation] else {
                skipped.append(SkippedNode(name: target.name, opType: target.opType, reason: "no calibration range for its input '\(target.activation)' (not a float tensor)"))
                continue
            }
            let axis = perChannel ? target.weightAxis : nil
            guard let weight = builder.dequantizedWeight(target.weight, axis: axis) else { continue }
            builder.quantizeInput(target.activation, inputParameters, readers: [index])
            builder.graph.nodes[index].inputs[1] = weight.output
            if let bias = target.bias, let position = builder.graph.nodes[index].inputs.firstIndex(of: bias), position == 2 {
                if let dequantizedBias = builder.dequantizedBias(bias, inputScale: inputParameters.scale, weight: weight.quantized) {
                    builder.graph.nodes[index].inputs[2] = dequantizedBias
                } else {
                    warnings.append("node '\(target.name)': bias kept in float (it does not fit int32 at scale \(inputParameters.scale) x weight scale)")
                }
            }
            quantized.append(target)
        }
        graph = try builder.finish()
        var keptQDQ: [SkippedNode] = []
        if qoperator {
            keptQDQ = QOperatorFusion.fuse(&graph)
            for node in keptQDQ { warnings.append("node '\(node.name)' stays in QDQ form: \(node.reason)") }
        }
        working.graph = graph
        let needsAxis = graph.nodes.contains { ($0.opType == "DequantizeLinear" || $0.opType == "QuantizeLinear") && $0.attributes["axis"] != nil }
        let opsetNotes = try OpsetUpgrade.upgrade(&working, to: max(working.opset, needsAxis ? 13 : 10))
        try await context.progress.report(1, "quantize-int8: done")
        model = working

        var details = QuantizationParameters.reportDetails(targets: quantized, skipped: skipped, preparation: preparation, opsetNotes: opsetNotes)
        details["format"] = .string(qoperator ? "qoperator" : "qdq")
        details["calibration"] = .object([
            "method": .string(method.rawValue),
            "percentile": method == .percentile ? .number(percentile) : .null,
            "samples": .number(Double(calibration.samples)),
            "source": .string(source.description),
            "synthetic": .bool(source.isSynthetic),
        ])
        details["activations"] = .array(observed.compactMap { name in
            guard let range = calibration.ranges[name], let p = parametersByTensor[name] else { return nil }
            return .object([
                "tensor": .string(name), "low": .number(Double(range.low)), "high": .number(Double(range.high)),
                "scale": .number(Double(p.scale)), "zero_point": .number(Double(p.zeroPoint)), "type": .string(p.dataType.description),
            ])
        })
        let weights = perChannel ? "per-channel" : "per-tensor"
        let activations = symmetric ? "symmetric int8" : "asymmetric uint8"
        let sourceNote = source.isSynthetic ? "SYNTHETIC data (\(calibration.samples) samples)" : "\(calibration.samples) calibration samples"
        let summary = "quantize-int8 (\(qoperator ? "QOperator" : "QDQ")): \(quantized.count) of \(quantized.count + skipped.count) nodes to int8 (\(quantizedOps)); \(weights) weights, \(activations) activations, \(method.rawValue) ranges from \(sourceNote)"
        return PassReport(technique: technique.id, parameters: parameters, summary: summary, details: .object(details), warnings: warnings)
    }
}
