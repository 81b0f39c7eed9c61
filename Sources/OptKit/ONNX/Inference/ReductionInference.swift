/// Reductions (axes an attribute before opset 18 — 13 for ReduceSum — an input after) and
/// ArgMax/ArgMin.
extension InferenceRules {
    static let reductionRules: [String: InferenceRule] = {
        var rules: [String: InferenceRule] = [:]
        for op in ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"] {
            rules[op] = { context in reduce(&context, axesInputSince: 18) }
        }
        rules["ReduceSum"] = { context in reduce(&context, axesInputSince: 13) }
        rules["ArgMax"] = argReduce
        rules["ArgMin"] = argReduce
        return rules
    }()

    private static func reduce(_ context: inout NodeInference, axesInputSince: Int) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        let keepDims = context.int("keepdims", default: 1) != 0
        let axes: [Int]
        switch axesOperand(context, inputSince: axesInputSince) {
        case .some(.some(let given)) where !given.isEmpty:
            guard let normalized = context.normalizedAxes(given, rank: input.count) else { return }
            axes = normalized
        case .some(.none):
            // Axes computed at run time: with keepdims the rank is still known.
            return context.setOutput(0, dataType, keepDims ? input.map { _ in .unknown } : nil)
        default:
            // No axes: reduce everything, unless noop_with_empty_axes (input form only) says
            // to pass the data through.
            if context.opset >= axesInputSince, context.int("noop_with_empty_axes", default: 0) != 0 {
                return context.setOutput(0, dataType, input)
            }
            axes = Array(input.indices)
        }
        var output: [Dim] = []
        for (i, dim) in input.enumerated() {
            if axes.contains(i) {
                if keepDims { output.append(.fixed(1)) }
            } else {
                output.append(dim)
            }
        }
        context.setOutput(0, dataType, output)
    }

    private static func argReduce(_ context: inout NodeInference) {
        guard var shape = context.shape(0) else { return context.setOutput(0, .int64, nil) }
        guard let axis = context.normalizedAxis(context.int("axis", default: 0), rank: shape.count) else { return }
        if context.int("keepdims", default: 1) != 0 {
            shape[axis] = .fixed(1)
        } else {
            shape.remove(at: axis)
        }
        context.setOutput(0, .int64, shape)
    }
}
