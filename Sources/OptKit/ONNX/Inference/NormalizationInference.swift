/// Normalizations: the output has the input's type and shape; LayerNormalization's optional
/// statistics outputs keep the leading dims and reduce the normalized ones to 1.
extension InferenceRules {
    static let normalizationRules: [String: InferenceRule] = [
        "BatchNormalization": { context in
            context.requireSameType([0, 1, 2])
            sameAsInput(&context)
            // Training-mode outputs (running mean and variance) have the statistics' shape.
            for output in 1..<max(1, context.outputCount) {
                context.setOutput(output, context.dataType(3) ?? context.dataType(0), context.shape(3))
            }
        },
        "LayerNormalization": { context in
            context.requireSameType([0, 1, 2])
            sameAsInput(&context)
            guard context.outputCount > 1, let input = context.shape(0) else { return }
            guard let axis = context.normalizedAxis(context.int("axis", default: -1), rank: input.count) else { return }
            let stash = DataType(rawValue: Int32(truncatingIfNeeded: context.int("stash_type", default: 1))) ?? .float
            let statistics = Array(input[..<axis]) + Array(repeating: .fixed(1), count: input.count - axis)
            context.setOutput(1, stash, statistics)
            context.setOutput(2, stash, statistics)
        },
        "GroupNormalization": sameAsInput,
        "MeanVarianceNormalization": sameAsInput,
    ]
}
