import Foundation

/// Float16: weights stored and ops computed in float16, the model's inputs and outputs still
/// float32 (Cast at the boundary). Ops that are numerically sensitive (a configurable list),
/// ops whose constant inputs or observed activations fall outside float16's range, and
/// excluded nodes stay float32, with Casts where the two precisions meet. BatchNormalization is
/// folded and Constant weights become initializers first, so a huge running variance never
/// reaches float16.
public struct Float16Pass: OptimizationPass {
    /// Ops kept in float32 by default: accumulations of squares or exponentials that overflow
    /// float16's 65504 easily, and index/coordinate computations where its 11-bit mantissa
    /// loses positions.
    public static let defaultKeepFloat32 = [
        "CumSum", "NonMaxSuppression", "Range", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare", "Resize", "RoiAlign", "Upsample",
    ]

    public static let parameterDescriptors: [ParameterDescriptor] = [
        ParameterDescriptor(
            name: "keep_fp32_op_types", kind: .strings, defaultValue: .array(defaultKeepFloat32.map(JSONValue.string)),
            summary: "op types computed in float32 (numerically sensitive ops)"),
        ParameterDescriptor(
            name: "keep_fp32_nodes", kind: .strings, defaultValue: .array([]),
            summary: "node names computed in float32 (added to the run's excluded nodes); an unknown name is an error"),
        ParameterDescriptor(
            name: "check_activations", kind: .boolean, defaultValue: .bool(true),
            summary: "run the model on the calibration data (or synthetic samples) and keep ops whose activations leave float16's range in float32"),
        ParameterDescriptor(
            name: "error_budget", kind: .number(0...1), defaultValue: .number(5e-4),
            summary: "keep the layers whose float16 weights move the outputs most in float32 until the estimated relative L2 error of the rest is within this (measured on the engine with the calibration data; 0 turns it off)"),
        ParameterDescriptor(
            name: "synthetic_samples", kind: .integer(1...256), defaultValue: .number(4),
            summary: "samples drawn from the declared input shapes for the activation check when no calibration data is given"),
    ]

    /// Largest float16 value; activations must stay below half of it so unseen data has room.
    static let halfMax: Float = 65504
    static let activationLimit: Float = 32752

    /// Ops never converted: their float outputs are defined by an attribute, not their inputs,
    /// or they only read shapes.
    static let neverConverted: Set<String> = [
        "Cast", "CastLike", "Constant", "ConstantOfShape", "EyeLike", "Shape", "Size",
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    public let technique = Technique.named("fp16")!
    public let parameters: JSONValue
    let keepOpTypes: Set<String>
    let keepNodes: Set<String>
    let checkActivations: Bool
    let syntheticSamples: Int
    let errorBudget: Double
    /// Samples the sensitivity measurement uses (each costs one model run per layer).
    static let sensitivitySamples = 4

    public init(_ values: ParameterValues) {
        parameters = values.json
        keepOpTypes = Set(values.strings("keep_fp32_op_types"))
        keepNodes = Set(values.strings("keep_fp32_nodes"))
        checkActivations = values.boolean("check_activations")
        syntheticSamples = values.integer("synthetic_samples")
        errorBudget = values.number("error_budget")
    }

    public func apply(to model: inout Model, context: PassContext) async throws -> PassReport {
        let excludedNodes = context.excludedNodes.union(keepNodes)
        let excludedOpTypes = context.excludedOpTypes.union(keepOpTypes)
        try QuantTargets.checkExclusions(nodes: excludedNodes, in: model.graph)
        var warnings: [String] = []
        var source: (any SampleSource)?
        var expected = 0
        if checkActivations {
            if let given = context.calibration {
                source = given
            } else {
                source = try? SyntheticSampleSource(inputs: model.graph.inputs, count: syntheticSamples)
            }
            if let source {
                expected = try await CalibrationData.validate(source, model: model, progress: context.progress, share: 0...0.05)
            }
        }

        var graph = model.graph
        let preparation = QuantizationPreparation.prepare(&graph)
        let types = graph.inferTypes(opsets: model.opsetImports).types
        func type(_ value: String) -> TensorType? { graph.declaredType(of: value) ?? types[value] }

        // Observed activation magnitudes, so ops that overflow float16 on real data stay float32.
        var magnitudes: [String: Float] = [:]
        var engineRuns = false
        if let source {
            let floats = Set(graph.nodes.flatMap(\.outputs).filter { !$0.isEmpty && type($0)?.dataType == .float })
            let calibrator = Calibrator(
                graph: graph, opsets: model.opsetImports, tensors: floats.sorted(), method: .minMax, percentile: 100,
                symmetric: true, threads: context.threads)
            do {
                let result = try await calibrator.run(source, expected: expected, progress: context.progress, share: 0.05...0.6)
                for (name, range) in result.ranges { magnitudes[name] = max(-range.low, range.high) }
                engineRuns = true
            } catch let error as EngineError {
                warnings.append("activation ranges not checked (the engine cannot run this model: \(error)); only constant tensors were checked against float16's range")
            }
            if source.isSynthetic {
                warnings.append("activation ranges checked on \(source.description), not on real inputs; give calibration data for a reliable check")
            }
        }

        // Which nodes compute in float16.
        var kept: [SkippedNode] = []
        var converted = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            let floatValues = (node.inputs + node.outputs).filter { !$0.isEmpty && type($0)?.dataType == .float }
            guard !floatValues.isEmpty else { continue }
            func keep(_ reason: String) { kept.append(SkippedNode(name: node.displayName, opType: node.opType, reason: reason)) }
            if !node.isStandard || node.hasSubgraphs || Self.neverConverted.contains(node.opType) { continue }
            if excludedNodes.contains(node.name) || excludedNodes.contains(node.displayName) {
                keep("excluded by name")
                continue
            }
            if excludedOpTypes.contains(node.opType) {
                keep("op type \(node.opType) kept in float32")
                continue
            }
            if let unknown = (node.inputs + node.outputs).first(where: { !$0.isEmpty && type($0) == nil }) {
                keep("the type of '\(unknown)' is unknown")
                continue
            }
            if let big = node.inputs.first(where: { graph.fixedInitializer($0).map(Self.outsideHalfRange) ?? false }) {
                keep("constant '\(big)' holds values outside float16's range")
                continue
            }
            if let big = floatValues.first(where: { (magnitudes[$0] ?? 0) > Self.activationLimit }) {
                keep("activation '\(big)' reaches \(magnitudes[big] ?? 0), too close to float16's limit of 65504")
                continue
            }
            converted.insert(index)
        }
        // Layers whose float16 weights would cost the most accuracy stay float32.
        var sensitivity: [JSONValue] = []
        if errorBudget > 0, engineRuns, let source {
            try await context.progress.report(0.6, "fp16: measuring each layer's sensitivity")
            var samples: [Sample] = []
            for try await sample in source.samples() {
                samples.append(sample)
                if samples.count == Self.sensitivitySamples { break }
            }
            let measurements = try Float16Sensitivity.measure(
                graph: graph, opsets: model.opsetImports, nodes: converted.sorted(), samples: samples, threads: context.threads)
            let keep = Float16Sensitivity.nodesToKeep(measurements, budget: errorBudget)
            for measurement in keep {
                converted.remove(measurement.node)
                let node = graph.nodes[measurement.node]
                kept.append(SkippedNode(
                    name: node.displayName, opType: node.opType,
                    reason: "its float16 weights alone move the outputs by a relative L2 of \(measurement.error.formatted(.number.precision(.significantDigits(3)))), among the largest; kept so the estimated error of the rest is within the error budget of \(errorBudget)"))
            }
            sensitivity = measurements.map {
                .object(["node": .string(graph.nodes[$0.node].displayName), "relative_l2": .number($0.error)])
            }
        }
        guard !converted.isEmpty else {
            warnings.append("no op was converted; the model is unchanged")
            return PassReport(
                technique: technique.id, parameters: parameters, summary: "fp16: nothing to convert",
                details: .object(["kept_fp32": .array(kept.map(\.json))]), warnings: warnings)
        }
        try await context.progress.report(0.85, "fp16: rewriting the graph")
        // Decided before the rewrite, which changes the types it reads.
        let floatValues = graph.valueNames.filter { type($0)?.dataType == .float }
        let (convertedInitializers, castCount) = rewrite(&graph, converted: converted, isFloat: floatValues.contains)
        try graph.sortTopologically()
        model.graph = graph
        try await context.progress.report(1, "fp16: done")

        let summary = "fp16: \(converted.count) ops in float16, \(kept.count) kept in float32, \(convertedInitializers) weights stored as float16; inputs and outputs stay float32"
        return PassReport(
            technique: technique.id, parameters: parameters, summary: summary,
            details: .object([
                "converted_nodes": .number(Double(converted.count)),
                "kept_fp32": .array(kept.map(\.json)),
                "initializers_converted": .number(Double(convertedInitializers)),
                "casts_added": .number(Double(castCount)),
                "constants_promoted": .number(Double(preparation.constantsPromoted)),
                "batch_norm_folded": .array(preparation.batchNormsFolded.map(JSONValue.string)),
                "activations_checked": .string(source?.description ?? "no"),
                "weight_sensitivity": .array(sensitivity),
            ]),
            warnings: warnings)
    }

    static func outsideHalfRange(_ tensor: Tensor) -> Bool {
        guard tensor.dataType == .float else { return false }
        let values = UnsafeBufferPointer(start: tensor.pointer(Float.self), count: tensor.count)
        return values.contains { !$0.isFinite || abs($0) > halfMax }
    }

    /// Switches the converted nodes' float32 values to float16 and puts Casts where a value
    /// crosses between precisions. Returns how many initializers now hold float16 and how many
    /// Casts were added.
    private func rewrite(_ graph: inout Graph, converted: Set<Int>, isFloat: (String) -> Bool) -> (Int, Int) {
        var scope = graph.nameScope()
        var casts: [Node] = []
        var halfName: [String: String] = [:]  // float32 value -> its float16 version
        var floatName: [String: String] = [:]  // float16 value -> its float32 version
        var initializersConverted = 0
        let producers = graph.producers()
        // Values the converted nodes produce: now float16 under the same name, unless the
        // name is a graph output, which keeps float32 through a Cast.
        var producedHalf = Set<String>()
        for index in converted.sorted() {
            for (position, output) in graph.nodes[index].outputs.enumerated() where !output.isEmpty && isFloat(output) {
                if graph.isGraphOutput(output) {
                    let half = scope.fresh(output + "_fp16")
                    graph.nodes[index].outputs[position] = half
                    casts.append(cast(half, to: output, .float, &scope))
                    if let type = graph.valueInfo[output] { graph.valueInfo[half] = TensorType(dataType: .float16, shape: type.shape) }
                    halfName[output] = half
                    producedHalf.insert(half)
                } else {
                    producedHalf.insert(output)
                    if let type = graph.valueInfo[output] { graph.valueInfo[output] = TensorType(dataType: .float16, shape: type.shape) }
                }
            }
        }
        // Inputs of converted nodes.
        for index in converted.sorted() {
            for (position, input) in graph.nodes[index].inputs.enumerated() where !input.isEmpty && isFloat(input) && !producedHalf.contains(input) {
                if let existing = halfName[input] {
                    graph.nodes[index].inputs[position] = existing
                    continue
                }
                if producers[input] == nil, let tensor = graph.fixedInitializer(input) {
                    // A weight: stored as float16 (under its own name when only converted nodes read it).
                    let readers = graph.readers(of: input)
                    let half = Self.halfTensor(tensor)
                    let name: String
                    if readers.allSatisfy(converted.contains), !graph.isGraphOutput(input) {
                        graph.initializers[input] = half
                        name = input
                    } else {
                        name = scope.fresh(input + "_fp16")
                        graph.initializers[name] = half
                    }
                    initializersConverted += 1
                    halfName[input] = name
                    graph.nodes[index].inputs[position] = name
                    continue
                }
                // A graph input or a float32 node's output: one Cast to float16, shared.
                let half = scope.fresh(input + "_fp16")
                casts.append(cast(input, to: half, .float16, &scope))
                halfName[input] = half
                graph.nodes[index].inputs[position] = half
            }
        }
        // Float32 readers of values that became float16.
        for index in graph.nodes.indices where !converted.contains(index) {
            for (position, input) in graph.nodes[index].inputs.enumerated() where producedHalf.contains(input) {
                if let existing = floatName[input] {
                    graph.nodes[index].inputs[position] = existing
                    continue
                }
                let single = scope.fresh(input + "_fp32")
                casts.append(cast(input, to: single, .float, &scope))
                floatName[input] = single
                graph.nodes[index].inputs[position] = single
            }
        }
        graph.nodes += casts
        graph.removeUnused()
        return (initializersConverted, casts.count)
    }

    private func cast(_ input: String, to output: String, _ type: DataType, _ scope: inout NameScope) -> Node {
        Node(name: scope.fresh(output + "_Cast"), opType: "Cast", inputs: [input], outputs: [output], attributes: ["to": .int(Int(type.rawValue))])
    }

    static func halfTensor(_ tensor: Tensor) -> Tensor {
        let values = tensor.floats
        return Tensor(elements: values.map { HalfConversion.halfBits($0) }, dataType: .float16, shape: tensor.shape)
    }
}
