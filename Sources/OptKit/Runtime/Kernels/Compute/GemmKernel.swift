/// Gemm (opsets 11, 13): Y = alpha * A' * B' + beta * C with optional transposes and C
/// broadcast to (M, N). A constant B is packed once; a constant C that is a row vector or a
/// scalar becomes the kernel's column bias, any other C is written first and accumulated onto.
struct GemmKernel: ConstantSpecializable, EpilogueFusable {
    let attributes: ComputeAttributes
    let transA: Bool
    let transB: Bool
    let alpha: Float
    let beta: Float
    var packedB: PackedMatrix?
    var epilogue = GemmEpilogue.none
    /// The constant C folded into `epilogue.columnBias` (already scaled by beta).
    var biasFolded = false

    init(node: Node) throws(EngineError) {
        attributes = ComputeAttributes(node)
        transA = try attributes.int("transA", default: 0) != 0
        transB = try attributes.int("transB", default: 0) != 0
        alpha = try attributes.float("alpha", default: 1)
        beta = try attributes.float("beta", default: 1)
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        var copy = self
        if constants.count >= 2, let b = constants[1], b.dataType == .float, b.rank == 2 {
            let (k, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            copy.packedB = PackedMatrix(
                rows: k, columns: n, source: b.pointer(Float.self),
                rowStride: transB ? 1 : b.shape[1], columnStride: transB ? b.shape[1] : 1, asA: false)
            // A C that is one value per column (or one value) needs N, known from B.
            if constants.count >= 3, let c = constants[2], c.dataType == .float,
                c.count == n || c.count == 1, c.rank <= 2, c.rank < 2 || c.shape[0] == 1 {
                let values = c.elements(Float.self)
                copy.epilogue.columnBias = c.count == n ? values.map { $0 * beta } : [Float](repeating: values[0] * beta, count: n)
                copy.biasFolded = true
            }
        }
        return copy
    }

    func fusing(_ fused: FusedEpilogue) -> (any Kernel)? {
        var copy = self
        switch fused {
        case let .clamp(lower, upper):
            guard epilogue.acceptsMore else { return nil }
            copy.epilogue.lower = lower
            copy.epilogue.upper = upper
        case .activation(let activation):
            guard epilogue.acceptsMore else { return nil }
            copy.epilogue.activation = activation
        case .addConstant(let bias):
            guard let packedB, bias.rank <= 2, bias.count == packedB.columns, bias.rank < 2 || bias.shape[0] == 1,
                epilogue.acceptsMore
            else { return nil }
            let values = bias.elements(Float.self)
            copy.epilogue.columnBias = epilogue.columnBias.map { zip($0, values).map { $0 + $1 } } ?? values
        case .channelAffine, .scale, .addTensor, .quantize:
            return nil
        }
        return copy
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard inputs.count >= 2, let a = inputs[0], let b = inputs[1] else {
            throw attributes.input("Gemm takes inputs A and B")
        }
        guard a.dataType == .float, b.dataType == .float else {
            throw attributes.input("Gemm runs on float tensors, got \(a.dataType) and \(b.dataType)")
        }
        guard a.rank == 2, b.rank == 2 else {
            throw attributes.input("Gemm operands must be matrices, got \(a.shape) and \(b.shape)")
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw attributes.input("Gemm inner dimensions differ: A' is \(m)x\(k), B' is \(kb)x\(n)") }
        let y = context.allocate(.float, [m, n])
        let py = y.pointer(Float.self)
        var epilogue = self.epilogue
        if inputs.count >= 3, let c = inputs[2], !biasFolded, beta != 0 {
            guard c.dataType == .float else { throw attributes.input("Gemm's C must be float, got \(c.dataType)") }
            try fill(py, m: m, n: n, with: c)
            epilogue.accumulate = true
        }
        let aOperand = GemmOperand.matrix(a.pointer(Float.self), rowStride: transA ? 1 : a.shape[1], columnStride: transA ? a.shape[1] : 1)
        let bOperand: GemmOperand = packedB.map { .packed($0.pointer) }
            ?? .matrix(b.pointer(Float.self), rowStride: transB ? 1 : b.shape[1], columnStride: transB ? b.shape[1] : 1)
        if k == 0 && !epilogue.accumulate && epilogue.columnBias == nil {
            py.initialize(repeating: max(epilogue.lower, min(epilogue.upper, 0)), count: m * n)
            return [y]
        }
        SGEMM.product(m: m, n: n, k: k, a: aOperand, b: bOperand, c: py, ldc: n, alpha: alpha, epilogue: epilogue, context: context)
        return [y]
    }

    /// Writes beta * C broadcast to (m, n) into the output.
    private func fill(_ y: UnsafeMutablePointer<Float>, m: Int, n: Int, with c: Tensor) throws(EngineError) {
        let shape = [Int](repeating: 1, count: max(0, 2 - c.rank)) + c.shape
        guard shape.count == 2, shape[0] == 1 || shape[0] == m, shape[1] == 1 || shape[1] == n else {
            throw attributes.input("Gemm's C of shape \(c.shape) does not broadcast to (\(m), \(n))")
        }
        let pc = c.pointer(Float.self)
        let rowStride = shape[0] == 1 ? 0 : shape[1], columnStride = shape[1] == 1 ? 0 : 1
        for i in 0..<m {
            for j in 0..<n { y[i * n + j] = beta * pc[i * rowStride + j * columnStride] }
        }
    }
}
