/// MatMul (opsets 1, 9, 13): numpy.matmul semantics — 1-D operands promoted and their axis
/// dropped again, batch dimensions broadcast. A constant 2-D right operand (the weights of a
/// linear layer) is packed once at prepare time, and every row of a contiguous left operand
/// goes through one product.
struct MatMulKernel: ConstantSpecializable, EpilogueFusable, OperandTransposing {
    let attributes: ComputeAttributes
    /// The right operand packed at prepare time, when it is a constant matrix or vector.
    var packedB: PackedMatrix?
    /// Shape of the constant right operand.
    var constantBShape: [Int]?
    var epilogue = GemmEpilogue.none
    /// A fused scalar Div or Mul.
    var alpha: Float = 1
    /// A fused residual Add: its kernel, for shapes the accumulating epilogue cannot take.
    var residual: (fallback: any Kernel, outputFirst: Bool)?
    /// For A and B: the perm of a Transpose folded into this product, which then reads the
    /// Transpose's input through strides instead of a permuted copy.
    var permutations: [[Int]?] = [nil, nil]

    init(node: Node) {
        attributes = ComputeAttributes(node)
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        guard constants.count == 2, let b = constants[1], b.dataType == .float, b.rank <= 2 else { return self }
        var copy = self
        let k = b.shape.first ?? 1
        let n = b.rank == 2 ? b.shape[1] : 1
        copy.packedB = PackedMatrix(rows: k, columns: n, source: b.pointer(Float.self), rowStride: n, columnStride: 1, asA: false)
        copy.constantBShape = b.shape
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
            // Only a bias along N that cannot change the output's shape: B's width is known.
            guard let bShape = constantBShape, bShape.count == 2, bias.rank == 1, bias.count == bShape[1],
                epilogue.acceptsMore
            else { return nil }
            let values = bias.elements(Float.self)
            copy.epilogue.columnBias = epilogue.columnBias.map { zip($0, values).map { $0 + $1 } } ?? values
        case .scale(let factor):
            guard epilogue.acceptsMore, epilogue.columnBias == nil, residual == nil else { return nil }
            copy.alpha *= factor
        case let .addTensor(fallback, outputFirst):
            guard epilogue.acceptsMore, residual == nil else { return nil }
            copy.residual = (fallback, outputFirst)
        case .channelAffine, .quantize:
            return nil
        }
        return copy
    }

    func readingTransposed(operand: Int, perm: [Int]) -> (any Kernel)? {
        guard operand == 0 || operand == 1, permutations[operand] == nil, perm.count >= 2,
            perm.sorted() == Array(0..<perm.count), operand == 0 || packedB == nil
        else { return nil }
        var copy = self
        copy.permutations[operand] = perm
        return copy
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard let residual else { return try product(inputs, context) }
        guard inputs.count == 3, let addend = inputs[2] else { throw attributes.input("fused residual Add lost its operand") }
        let y = try product(Array(inputs.prefix(2)), context, accumulating: addend)
        if y.accumulated { return [y.tensor] }
        return try residual.fallback.run(residual.outputFirst ? [y.tensor, addend] : [addend, y.tensor], context)
    }

    /// The product; with `accumulating` of the output's shape, the sum of both (`accumulated`).
    private func product(
        _ inputs: [Tensor?], _ context: KernelContext, accumulating addend: Tensor
    ) throws(EngineError) -> (tensor: Tensor, accumulated: Bool) {
        var accumulated = false
        let y = try product(inputs, context) { shape, pointer in
            guard addend.dataType == .float, addend.shape == shape else { return false }
            pointer.update(from: addend.pointer(Float.self), count: addend.count)
            accumulated = true
            return true
        }
        return (y[0], accumulated)
    }

    /// `prefill` may write the output first and return true to have the product added to it.
    private func product(
        _ inputs: [Tensor?], _ context: KernelContext,
        prefill: (_ shape: [Int], UnsafeMutablePointer<Float>) -> Bool = { _, _ in false }
    ) throws(EngineError) -> [Tensor] {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else {
            throw attributes.input("MatMul takes two inputs")
        }
        guard a.dataType == .float, b.dataType == .float else {
            throw attributes.input("MatMul runs on float tensors, got \(a.dataType) and \(b.dataType)")
        }
        guard a.rank >= 1, b.rank >= 1 else { throw attributes.input("MatMul operands must have rank 1 or more") }
        let aLayout = try operandLayout(a, permutations[0]), bLayout = try operandLayout(b, permutations[1])
        // A 1-D A is one row ([1, K]); a 1-D B one column ([K, 1]).
        let aShape = a.rank == 1 ? [1, a.shape[0]] : aLayout.shape
        let aStrides = a.rank == 1 ? [a.shape[0], 1] : aLayout.strides
        let bShape = b.rank == 1 ? [b.shape[0], 1] : bLayout.shape
        let bStrides = b.rank == 1 ? [1, 1] : bLayout.strides
        let (m, k) = (aShape[aShape.count - 2], aShape[aShape.count - 1])
        let (kb, n) = (bShape[bShape.count - 2], bShape[bShape.count - 1])
        guard k == kb else {
            throw attributes.input("MatMul inner dimensions differ: \(aLayout.shape) x \(bLayout.shape)")
        }
        guard let batch = broadcastShapes(Array(aShape.dropLast(2)), Array(bShape.dropLast(2))) else {
            throw attributes.input("MatMul batch dimensions do not broadcast: \(aLayout.shape) x \(bLayout.shape)")
        }
        var outShape = batch + [m, n]
        if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
        if b.rank == 1 { outShape.removeLast() }
        let y = context.allocate(.float, outShape)
        let batchCount = batch.reduce(1, *)
        let pa = a.pointer(Float.self), py = y.pointer(Float.self)
        var epilogue = self.epilogue
        epilogue.accumulate = prefill(outShape, py)
        if let packedB, b.rank <= 2, permutations[0] == nil {
            // Every row of every batch entry times the same matrix: one tall product.
            SGEMM.product(m: batchCount * m, n: n, k: k, a: .matrix(pa, rowStride: k, columnStride: 1),
                          b: .packed(packedB.pointer), c: py, ldc: n, alpha: alpha, epilogue: epilogue, context: context)
            return [y]
        }
        let pb = b.pointer(Float.self)
        let aOffsets = batchOffsets(Array(aShape.dropLast(2)), strides: Array(aStrides.dropLast(2)), in: batch)
        let bOffsets = batchOffsets(Array(bShape.dropLast(2)), strides: Array(bStrides.dropLast(2)), in: batch)
        SGEMM.batchedProduct(
            count: batchCount, m: m, n: n, k: k,
            a: { UnsafePointer(pa + aOffsets[$0]) }, aRowStride: aStrides[aStrides.count - 2], aColumnStride: aStrides[aStrides.count - 1],
            b: { UnsafePointer(pb + bOffsets[$0]) }, bRowStride: bStrides[bStrides.count - 2], bColumnStride: bStrides[bStrides.count - 1],
            c: { py + $0 * m * n }, alpha: alpha, epilogue: epilogue, context: context)
        return [y]
    }

    /// The operand's shape and element strides as the product reads it: the tensor's own, or
    /// permuted by a folded Transpose.
    private func operandLayout(_ tensor: Tensor, _ permutation: [Int]?) throws(EngineError) -> (shape: [Int], strides: [Int]) {
        let strides = contiguousStrides(tensor.shape)
        guard let permutation else { return (tensor.shape, strides) }
        guard permutation.count == tensor.rank else {
            throw attributes.input("the folded Transpose's perm \(permutation) does not fit an operand of shape \(tensor.shape)")
        }
        return (permutation.map { tensor.shape[$0] }, permutation.map { strides[$0] })
    }
}

/// numpy broadcasting of two shapes, nil when they do not broadcast.
func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let da = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
        let db = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else { return nil }
        result[axis] = da == 1 ? db : da
    }
    return result
}

/// Element offset of each broadcast batch entry's matrix within an operand whose batch dims
/// are `own`, `strides` elements apart (broadcast against `full`: a dim of 1 repeats).
func batchOffsets(_ own: [Int], strides: [Int], in full: [Int]) -> [Int] {
    let count = full.reduce(1, *)
    let padding = full.count - own.count
    var steps = [Int](repeating: 0, count: full.count)
    for axis in own.indices where own[axis] != 1 { steps[padding + axis] = strides[axis] }
    var offsets = [Int](repeating: 0, count: count)
    var index = [Int](repeating: 0, count: full.count)
    for entry in 0..<count {
        var offset = 0
        for axis in 0..<full.count { offset += index[axis] * steps[axis] }
        offsets[entry] = offset
        var axis = full.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < full[axis] { break }
            index[axis] = 0
            axis -= 1
        }
    }
    return offsets
}
