import CKernels

/// MatMulInteger (opset 10), QLinearMatMul (opsets 10, 21) and the fused integer matrix product
/// of a QDQ graph (DequantizeLinear -> MatMul/Gemm -> [Relu] -> [QuantizeLinear]).
///
/// A (activations, uint8 or int8, any leading batch dimensions) times B (weights, int8 or
/// uint8, 2-D or with the same batch dimensions as A) in the integer GEMM: A is the GEMM's
/// uint8 side, B its int8 side (see `Int8Layout`). A constant B is packed once with its
/// column sums; the epilogue corrects for both zero points and writes int32, float or
/// requantized bytes.
struct IntegerMatMulKernel: ConstantSpecializable, EpilogueFusable {
    enum Mode: Sendable {
        /// MatMulInteger: A, B, a_zero_point, b_zero_point -> int32.
        case integer
        /// QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale,
        /// y_zero_point -> 8-bit.
        case requantize
        /// QLinearMatMul's inputs with y_scale/y_zero_point optional (absent: float output)
        /// and a float bias per column as input 8 (`QDQFusion`).
        case fused
    }

    let node: String
    let mode: Mode
    /// The fused form of a Gemm with transB = 1: B is stored N x K.
    var transposedB = false
    /// A fused Relu after the product.
    var relu = false
    var weights: PackedInt8Matrix?
    var epilogue: IntegerEpilogue?
    /// A fused residual Add: its other operand is the kernel's last input, added to the product
    /// before any activation; when its shape is not the output's, `fallback` (the Add's own
    /// kernel) runs after the product instead.
    struct Residual: Sendable {
        let fallback: any Kernel
        let outputFirst: Bool
    }
    var residual: Residual?
    /// The element type of A the prepared epilogue assumes (its zero point's packed form
    /// depends on it).
    var epilogueActivationType: DataType?

    /// Input positions the node leaves out (optional zero points, a fused op's y_scale).
    let omitted: Set<Int>

    init(node: Node, mode: Mode) {
        self.node = node.displayName
        self.mode = mode
        omitted = Set((0..<9).filter { $0 >= node.inputs.count || node.inputs[$0].isEmpty })
        if mode == .fused {
            // Written by `QDQFusion`, never read from a file.
            transposedB = (try? node.intAttribute("trans_b", default: 0)) == 1
            relu = (try? node.intAttribute("relu", default: 0)) == 1
        }
    }

    private var positions: (a: Int, aScale: Int?, aZero: Int, b: Int, bScale: Int?, bZero: Int, yScale: Int?, yZero: Int?, bias: Int?) {
        switch mode {
        case .integer: (0, nil, 2, 1, nil, 3, nil, nil, nil)
        case .requantize: (0, 1, 2, 3, 4, 5, 6, 7, nil)
        case .fused: (0, 1, 2, 3, 4, 5, 6, 7, 8)
        }
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        let p = positions
        var copy = self
        if let b = constants.optional(p.b), b.rank == 2, let layout = Self.weightLayout(b.dataType) {
            let (k, n) = transposedB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            copy.weights = PackedInt8Matrix(
                rows: k, columns: n, source: b.storage.bytes.assumingMemoryBound(to: UInt8.self),
                rowStride: transposedB ? 1 : n, columnStride: transposedB ? k : 1, layout: layout, asA: false)
        }
        let parameterPositions = [p.aScale, p.aZero, p.bScale, p.bZero, p.yScale, p.yZero, p.bias].compactMap { $0 }
        let allConstant = parameterPositions.allSatisfy { position in
            omitted.contains(position) || (position < constants.count && constants[position] != nil)
        }
        if allConstant, let b = constants.optional(p.b) {
            let aType = constants.optional(p.aZero)?.dataType ?? .uint8
            copy.epilogue = try makeEpilogue(constants, aType: aType, b: b)
            copy.epilogueActivationType = aType
        }
        return copy
    }

    func fusing(_ fused: FusedEpilogue) -> (any Kernel)? {
        guard mode == .fused, residual == nil, let epilogue else { return nil }
        var copy = self
        if case let .quantize(type, scale, zero) = fused {
            guard let quantized = epilogue.quantized(type, scale: scale, zero: zero) else { return nil }
            copy.epilogue = quantized
            return copy
        }
        guard epilogue.acceptsMore else { return nil }
        switch fused {
        case .addConstant(let addend):
            guard let channels = weights?.columns, addend.count == channels, addend.dataType == .float,
                addend.shape.last == channels || channels == 1,
                let biased = epilogue.addingBias(addend.elements(Float.self))
            else { return nil }
            copy.epilogue = biased
        case .activation(let activation):
            guard let activated = epilogue.activated(activation) else { return nil }
            copy.epilogue = activated
        case let .clamp(lower, upper):
            guard lower == 0, upper == .infinity else { return nil }
            copy.relu = true
            copy.epilogue = epilogue.replacingOutput(.float(lower: 0, upper: .infinity))
        case let .addTensor(fallback, outputFirst):
            copy.residual = Residual(fallback: fallback, outputFirst: outputFirst)
        case .scale, .channelAffine, .quantize:
            return nil
        }
        return copy
    }

    static func weightLayout(_ type: DataType) -> Int8Layout? {
        switch type {
        case .int8: Int8Layout(storedSigned: true, packedSigned: true)
        case .uint8: Int8Layout(storedSigned: false, packedSigned: true)
        default: nil
        }
    }

    static func activationLayout(_ type: DataType) -> Int8Layout? {
        switch type {
        case .uint8: Int8Layout(storedSigned: false, packedSigned: false)
        case .int8: Int8Layout(storedSigned: true, packedSigned: false)
        default: nil
        }
    }

    /// Scales, zero points and bias read from the inputs (`aType`: A's element type when known;
    /// a zero point's type stands for it otherwise).
    private func makeEpilogue(_ inputs: [Tensor?], aType: DataType?, b: Tensor) throws(EngineError) -> IntegerEpilogue {
        let p = positions
        let n = transposedB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        guard let bLayout = Self.weightLayout(b.dataType) else {
            throw .invalidInput(node: node, message: "B must be int8 or uint8, got \(b.dataType)")
        }
        let aZeroTensor = inputs.optional(p.aZero)
        let aTypeKnown = aType ?? aZeroTensor?.dataType ?? .uint8
        guard let aLayout = Self.activationLayout(aTypeKnown) else {
            throw .invalidInput(node: node, message: "A must be uint8 or int8, got \(aTypeKnown)")
        }
        var aZero: Int32 = 0
        if let aZeroTensor {
            let values = try aZeroTensor.zeroPointValues(node, "a_zero_point")
            guard !values.isEmpty, values.allSatisfy({ $0 == values[0] }) else {
                throw .unsupportedAttribute(node: node, attribute: "a_zero_point", message: "a zero point per row (the engine takes one for the whole of A)")
            }
            aZero = values[0]
        }
        var bZero: [Int32] = [0]
        if let bZeroTensor = inputs.optional(p.bZero) {
            bZero = try bZeroTensor.zeroPointValues(node, "b_zero_point")
            guard bZero.count == 1 || bZero.count == n else {
                throw .invalidInput(node: node, message: "b_zero_point must hold 1 or \(n) values, got shape \(bZeroTensor.shape)")
            }
        }
        let output: IntegerEpilogue.Output
        var scales: [Float]?
        var bias: [Float]?
        if mode == .integer {
            output = .int32
        } else {
            guard let aScaleTensor = inputs.optional(p.aScale!), let bScaleTensor = inputs.optional(p.bScale!) else {
                throw .invalidInput(node: node, message: "a_scale and b_scale are required")
            }
            let aScale = try aScaleTensor.scaleValues(node, "a_scale"), bScale = try bScaleTensor.scaleValues(node, "b_scale")
            guard aScale.count == 1 else { throw .invalidInput(node: node, message: "a_scale must hold one value, got shape \(aScaleTensor.shape)") }
            guard bScale.count == 1 || bScale.count == n else {
                throw .invalidInput(node: node, message: "b_scale must hold 1 or \(n) values, got shape \(bScaleTensor.shape)")
            }
            let arithmetic = ScaleArithmetic(half: aScaleTensor.dataType == .float16)
            let yScaleTensor = p.yScale.flatMap { inputs.optional($0) }
            let yScale = try yScaleTensor.map { t throws(EngineError) in try t.scaleValues(node, "y_scale") }
            if let yScale, yScale.count != 1 { throw .invalidInput(node: node, message: "y_scale must hold one value") }
            scales = arithmetic.combined(input: aScale[0], weight: bScale, output: yScale?.first)
            if let p8 = p.bias, let biasTensor = inputs.optional(p8) {
                var values = try biasTensor.scaleValues(node, "bias")
                guard values.count == n else { throw .invalidInput(node: node, message: "bias must hold \(n) values, got \(values.count)") }
                if let y = yScale?.first { values = values.map { $0 / y } }
                bias = values
            }
            output = try .resolve(
                quantized: yScale != nil, yZero: p.yZero.flatMap { inputs.optional($0) }, defaultType: aTypeKnown, relu: relu,
                node: node)
        }
        return IntegerEpilogue(
            output: output, channelAxis: .columns, activationZero: aLayout.packedZero(aZero),
            weightZero: bZero.map(bLayout.packedZero), scales: scales, floatBias: bias, integerBias: nil, singlePrecision: mode == .fused)
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let p = positions
        let a = try inputs.required(p.a, node), b = try inputs.required(p.b, node)
        guard let aLayout = Self.activationLayout(a.dataType) else {
            throw .invalidInput(node: node, message: "A must be uint8 or int8, got \(a.dataType)")
        }
        guard let bLayout = Self.weightLayout(b.dataType) else {
            throw .invalidInput(node: node, message: "B must be int8 or uint8, got \(b.dataType)")
        }
        guard a.rank >= 2 || (a.rank == 1), b.rank >= 2 else {
            throw .invalidInput(node: node, message: "A of shape \(a.shape) and B of shape \(b.shape) cannot be multiplied (B needs rank 2 or more)")
        }
        let aShape = a.rank == 1 ? [1] + a.shape : a.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
        let (bk, n) = transposedB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard bk == k else { throw .invalidInput(node: node, message: "A's \(k) columns do not match B's \(bk) rows (shapes \(a.shape), \(b.shape))") }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batchShape: [Int]
        if bBatch.isEmpty {
            batchShape = aBatch
        } else if aBatch == bBatch {
            batchShape = aBatch
        } else {
            throw .unsupportedAttribute(node: node, attribute: "B", message: "batch dimensions \(bBatch) against A's \(aBatch) (the engine runs a 2-D B or equal batch dimensions)")
        }
        // A fused residual operand, the input after the node's own nine.
        let residualValue = residual != nil && inputs.count > 9 ? inputs[inputs.count - 1] : nil
        let epilogue: IntegerEpilogue
        if let prepared = self.epilogue, epilogueActivationType == a.dataType {
            epilogue = prepared
        } else {
            epilogue = try makeEpilogue(inputs, aType: a.dataType, b: b)
        }
        var outShape = batchShape + [m, n]
        if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
        let y = context.allocate(epilogue.outputType, outShape)
        let batches = batchShape.reduce(1, *)
        guard m > 0, n > 0, batches > 0 else { return [y] }
        let elementBytes = epilogue.outputType.byteSize ?? 1
        var accumulate: Int32 = 0
        if let residualValue, residualValue.dataType == .float, residualValue.shape == outShape {
            y.storage.bytes.copyMemory(from: residualValue.storage.bytes, byteCount: y.count * 4)
            accumulate = 1
        }
        let aBytes = a.storage.bytes.assumingMemoryBound(to: UInt8.self)
        let bBytes = b.storage.bytes.assumingMemoryBound(to: UInt8.self)
        // A 2-D B shared by every batch: all rows of A in one product.
        let rowsPerProduct = bBatch.isEmpty ? m * batches : m
        let products = bBatch.isEmpty ? 1 : batches
        let needRowSums = epilogue.needsActivationSums, needColumnSums = epilogue.needsWeightSums
        var zero = epilogue.activationZero
        let aPacked = IGEMM.packedBytes(rows: rowsPerProduct, columns: k, asA: true)
        let bPacked = weights == nil ? IGEMM.packedBytes(rows: k, columns: n, asA: false) : 0
        let sumsBytes = (rowsPerProduct + n) * 4
        context.withByteScratch(aPacked + bPacked + sumsBytes + 64) { scratch in
            let packedA = scratch, packedB = scratch + aPacked
            let sums = UnsafeMutableRawPointer(scratch + aPacked + bPacked).alignedUp(for: Int32.self).assumingMemoryBound(to: Int32.self)
            let rowSums = sums, columnSums = sums + rowsPerProduct
            for product in 0..<products {
                ck_qpack_a(rowsPerProduct, k, aBytes + product * rowsPerProduct * k, k, 1, aLayout.flips ? 1 : 0, 0, packedA, needRowSums ? rowSums : nil)
                let bPointer: UnsafePointer<UInt8>
                let weightSums: UnsafePointer<Int32>?
                if let weights {
                    bPointer = UnsafePointer(weights.pointer)
                    weightSums = UnsafePointer(weights.sums.pointer)
                } else {
                    let source = bBytes + product * k * n
                    ck_qpack_b(k, n, source, transposedB ? 1 : n, transposedB ? k : 1, bLayout.flips ? 1 : 0, 1, 0, n, packedB, needColumnSums ? columnSums : nil)
                    bPointer = UnsafePointer(packedB)
                    weightSums = needColumnSums ? UnsafePointer(columnSums) : nil
                }
                withUnsafePointer(to: &zero) { zeroPointer in
                    var ep = epilogue.make(channelOffset: 0, activationZero: zeroPointer,
                                           activationSums: needRowSums ? UnsafePointer(rowSums) : nil, weightSums: weightSums)
                    ep.accumulate = accumulate
                    IGEMM.packedProduct(
                        m: rowsPerProduct, n: n, k: k, a: packedA, b: bPointer, aUnsigned: true,
                        c: y.storage.bytes + product * rowsPerProduct * n * elementBytes, ldc: n, epilogue: ep, context: context)
                }
            }
        }
        if let residual, let residualValue, accumulate == 0 {
            return try residual.fallback.run(residual.outputFirst ? [y, residualValue] : [residualValue, y], context)
        }
        return [y]
    }
}
