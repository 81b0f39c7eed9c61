/// Matrix products: MatMul (numpy semantics, 1-D operands promoted and the added dim removed
/// again, batch dims broadcast) and Gemm.
extension InferenceRules {
    static let matrixRules: [String: InferenceRule] = [
        "MatMul": { context in
            context.requireSameType([0, 1])
            context.setOutput(0, context.dataType(0), matmulShape(&context, a: 0, b: 1))
        },
        "Gemm": gemm,
    ]

    /// Shape of `a @ b`, or nil when unknown or (with an issue) incompatible.
    static func matmulShape(_ context: inout NodeInference, a: Int, b: Int) -> [Dim]? {
        guard var left = context.shape(a), var right = context.shape(b) else { return nil }
        guard !left.isEmpty, !right.isEmpty else {
            context.shapeMismatch(context.outputName(0), "\(context.node.opType) operands must have rank 1 or more")
            return nil
        }
        let leftVector = left.count == 1, rightVector = right.count == 1
        if leftVector { left.insert(.fixed(1), at: 0) }
        if rightVector { right.append(.fixed(1)) }
        let inner = (left[left.count - 1], right[right.count - 2])
        guard DimMath.compatible(inner.0, inner.1) else {
            context.shapeMismatch(context.outputName(0), "inner dims differ: \(Dim.format(context.shape(a)!)) @ \(Dim.format(context.shape(b)!))")
            return nil
        }
        let batch: [Dim]
        switch DimMath.broadcast([Array(left.dropLast(2)), Array(right.dropLast(2))]) {
        case .success(let dims): batch = dims
        case .failure(let failure):
            context.shapeMismatch(context.outputName(0), "batch dims: \(failure.message)")
            return nil
        }
        var output = batch + [left[left.count - 2], right[right.count - 1]]
        if rightVector { output.removeLast() }
        if leftVector { output.remove(at: output.count - (rightVector ? 1 : 2)) }
        return output
    }

    private static func gemm(_ context: inout NodeInference) {
        context.requireSameType([0, 1, 2])
        let dataType = context.dataType(0)
        guard let a = context.shape(0), let b = context.shape(1) else { return context.setOutput(0, dataType, [.unknown, .unknown]) }
        guard a.count == 2, b.count == 2 else {
            context.shapeMismatch(context.outputName(0), "Gemm needs 2-D operands, got \(Dim.format(a)) and \(Dim.format(b))")
            return
        }
        let transA = context.int("transA", default: 0) != 0, transB = context.int("transB", default: 0) != 0
        let (m, k1) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard DimMath.compatible(k1, k2) else {
            context.shapeMismatch(context.outputName(0), "inner dims differ: A \(Dim.format(a)) (transA \(transA ? 1 : 0)), B \(Dim.format(b)) (transB \(transB ? 1 : 0))")
            return
        }
        context.setOutput(0, dataType, [m, n])
    }
}
