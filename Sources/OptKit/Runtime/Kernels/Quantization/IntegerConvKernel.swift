import CKernels

/// ConvInteger (opset 10), QLinearConv (opset 10) and the fused integer convolution of a QDQ
/// graph (DequantizeLinear -> Conv -> [Relu] -> [QuantizeLinear]); 1-D and 2-D, with groups,
/// strides, dilations, pads and auto_pad.
///
/// Each (image, group) is one integer GEMM: W_g (the int8 side, packed once when constant, with
/// its row sums) times im2col(X_g) (the uint8 side, written straight into packed panels, padding
/// read as X's zero point so that it stands for a real 0). The epilogue corrects for the zero
/// points and writes int32, float or requantized bytes per output channel.
struct IntegerConvKernel: ConstantSpecializable, EpilogueFusable {
    enum Mode: Sendable {
        /// ConvInteger: x, w, x_zero_point, w_zero_point -> int32.
        case integer
        /// QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
        /// y_zero_point, B (int32) -> 8-bit.
        case requantize
        /// QLinearConv's inputs with y_scale/y_zero_point optional (absent: float output) and a
        /// float bias per output channel as input 8 (`QDQFusion`).
        case fused
    }

    let attributes: ComputeAttributes
    let spatial: SpatialAttributes
    let group: Int
    let mode: Mode
    let omitted: Set<Int>
    var relu = false
    /// QLinearConv, fused or as written: x is in the channels-last layout / y is written in it
    /// (`ChannelsLast`).
    var channelsLastInput = false
    var channelsLastOutput = false
    /// x carries this node's pads as a border (`ChannelsLast.paddedInputAttribute`); y is
    /// written with a border for the next convolution (`ChannelsLast.Border`).
    var paddedInput = false
    var outputBorder = ChannelsLast.Border.none
    var weights: IntegerConvWeights?
    /// The weights packed for the channels-last kernel (only with `channelsLastInput`).
    var channelsLastWeights: ChannelsLastConvWeights?
    var epilogue: IntegerEpilogue?
    var epilogueActivationType: DataType?

    init(node: Node, mode: Mode) throws(EngineError) {
        attributes = ComputeAttributes(node)
        spatial = try SpatialAttributes(attributes)
        group = try attributes.int("group", default: 1)
        self.mode = mode
        guard group >= 1 else { throw attributes.invalid("group", "must be at least 1, got \(group)") }
        if let rank = spatial.declaredRank, rank > 2 {
            throw attributes.unsupported("kernel_shape", "\(rank)-D convolution (the engine runs 1-D and 2-D)")
        }
        omitted = Set((0..<9).filter { $0 >= node.inputs.count || node.inputs[$0].isEmpty })
        if mode == .fused { relu = try attributes.int("relu", default: 0) == 1 }
        if mode != .integer {
            channelsLastInput = try attributes.int(ChannelsLast.inputAttribute, default: 0) == 1
            channelsLastOutput = try attributes.int(ChannelsLast.outputAttribute, default: 0) == 1
            paddedInput = try attributes.int(ChannelsLast.paddedInputAttribute, default: 0) == 1
            outputBorder = try ChannelsLast.Border(attributes)
            if paddedInput, !channelsLastInput || spatial.autoPad != .notSet {
                throw attributes.invalid(ChannelsLast.paddedInputAttribute, "needs a channels-last input and explicit pads")
            }
            if outputBorder != .none, !channelsLastOutput {
                throw attributes.invalid(ChannelsLast.borderAttribute, "needs a channels-last output")
            }
        }
    }

    private var positions: (x: Int, xScale: Int?, xZero: Int, w: Int, wScale: Int?, wZero: Int, yScale: Int?, yZero: Int?, bias: Int?) {
        switch mode {
        case .integer: (0, nil, 2, 1, nil, 3, nil, nil, nil)
        case .requantize, .fused: (0, 1, 2, 3, 4, 5, 6, 7, 8)
        }
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        let p = positions
        guard let w = constants.optional(p.w) else { return self }
        var copy = self
        copy.weights = try IntegerConvWeights(w, group: group, attributes)
        if channelsLastInput {
            guard w.dataType == .int8, w.rank == 4, group == 1 else {
                throw attributes.input("the channels-last kernel needs 2-D int8 weights and one group, got \(w.dataType) \(w.shape), group \(group)")
            }
            copy.channelsLastWeights = ChannelsLastConvWeights(w)
        }
        let parameters = [p.xScale, p.xZero, p.wScale, p.wZero, p.yScale, p.yZero, p.bias].compactMap { $0 }
        if parameters.allSatisfy({ omitted.contains($0) || ($0 < constants.count && constants[$0] != nil) }) {
            let xType = constants.optional(p.xZero)?.dataType ?? .uint8
            copy.epilogue = try makeEpilogue(constants, xType: xType, w: w)
            copy.epilogueActivationType = xType
        }
        return copy
    }

    func fusing(_ fused: FusedEpilogue) -> (any Kernel)? {
        guard mode == .fused, let epilogue else { return nil }
        var copy = self
        if case let .quantize(type, scale, zero) = fused {
            guard let quantized = epilogue.quantized(type, scale: scale, zero: zero) else { return nil }
            copy.epilogue = quantized
            return copy
        }
        guard epilogue.acceptsMore else { return nil }
        switch fused {
        case .addConstant(let addend):
            guard let channels = weights?.outChannels, addend.count == channels, addend.dataType == .float,
                Array(addend.shape.drop { $0 == 1 }) == [channels] + [Int](repeating: 1, count: weights?.kernel.count ?? 0),
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
        case .addTensor, .scale, .channelAffine, .quantize:
            return nil
        }
        return copy
    }

    private func makeEpilogue(_ inputs: [Tensor?], xType: DataType, w: Tensor) throws(EngineError) -> IntegerEpilogue {
        let p = positions
        let channels = w.shape.first ?? 0
        guard let xLayout = IntegerMatMulKernel.activationLayout(xType) else {
            throw attributes.input("x must be uint8 or int8, got \(xType)")
        }
        guard let wLayout = IntegerMatMulKernel.weightLayout(w.dataType) else {
            throw attributes.input("w must be int8 or uint8, got \(w.dataType)")
        }
        var xZero: Int32 = 0
        if let tensor = inputs.optional(p.xZero) {
            let values = try tensor.zeroPointValues(attributes.name, "x_zero_point")
            guard values.count == 1 else { throw attributes.input("x_zero_point must hold one value, got shape \(tensor.shape)") }
            xZero = values[0]
        }
        var wZero: [Int32] = [0]
        if let tensor = inputs.optional(p.wZero) {
            wZero = try tensor.zeroPointValues(attributes.name, "w_zero_point")
            guard wZero.count == 1 || wZero.count == channels else {
                throw attributes.input("w_zero_point must hold 1 or \(channels) values, got shape \(tensor.shape)")
            }
        }
        let output: IntegerEpilogue.Output
        var scales: [Float]?
        var floatBias: [Float]?
        var integerBias: [Int32]?
        if mode == .integer {
            output = .int32
        } else {
            guard let xScaleTensor = inputs.optional(p.xScale!), let wScaleTensor = inputs.optional(p.wScale!) else {
                throw attributes.input("x_scale and w_scale are required")
            }
            let xScale = try xScaleTensor.scaleValues(attributes.name, "x_scale"), wScale = try wScaleTensor.scaleValues(attributes.name, "w_scale")
            guard xScale.count == 1 else { throw attributes.input("x_scale must hold one value") }
            guard wScale.count == 1 || wScale.count == channels else {
                throw attributes.input("w_scale must hold 1 or \(channels) values, got shape \(wScaleTensor.shape)")
            }
            let yScaleTensor = p.yScale.flatMap { inputs.optional($0) }
            let yScale = try yScaleTensor.map { t throws(EngineError) in try t.scaleValues(attributes.name, "y_scale") }
            if let yScale, yScale.count != 1 { throw attributes.input("y_scale must hold one value") }
            scales = ScaleArithmetic(half: xScaleTensor.dataType == .float16).combined(input: xScale[0], weight: wScale, output: yScale?.first)
            if let p8 = p.bias, let biasTensor = inputs.optional(p8) {
                if mode == .requantize {
                    guard biasTensor.dataType == .int32, biasTensor.count == channels else {
                        throw attributes.input("B must hold one int32 per output channel (\(channels)), got \(biasTensor.dataType) \(biasTensor.shape)")
                    }
                    integerBias = biasTensor.elements(Int32.self)
                } else {
                    var values = try biasTensor.scaleValues(attributes.name, "bias")
                    guard values.count == channels else { throw attributes.input("bias must hold \(channels) values") }
                    if let y = yScale?.first { values = values.map { $0 / y } }
                    floatBias = values
                }
            }
            output = try .resolve(
                quantized: yScale != nil, yZero: p.yZero.flatMap { inputs.optional($0) }, defaultType: xType, relu: relu,
                node: attributes.name)
        }
        return IntegerEpilogue(
            output: output, channelAxis: .rows, activationZero: xLayout.packedZero(xZero),
            weightZero: wZero.map(wLayout.packedZero), scales: scales, floatBias: floatBias, integerBias: integerBias, singlePrecision: mode == .fused)
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        if channelsLastInput { return try runChannelsLast(inputs, context) }
        let p = positions
        let x = try inputs.required(p.x, attributes.name)
        guard let xLayout = IntegerMatMulKernel.activationLayout(x.dataType) else {
            throw attributes.input("x must be uint8 or int8, got \(x.dataType)")
        }
        let weights: IntegerConvWeights
        if let prepared = self.weights {
            weights = prepared
        } else {
            weights = try IntegerConvWeights(try inputs.required(p.w, attributes.name), group: group, attributes)
        }
        let epilogue: IntegerEpilogue
        if let prepared = self.epilogue, epilogueActivationType == x.dataType {
            epilogue = prepared
        } else {
            epilogue = try makeEpilogue(inputs, xType: x.dataType, w: try inputs.required(p.w, attributes.name))
        }
        let spatialRank = weights.kernel.count
        guard x.rank == spatialRank + 2 else {
            throw attributes.input("x of shape \(x.shape) does not match w's \(spatialRank) spatial axes")
        }
        if let declared = spatial.kernelShape, declared != weights.kernel {
            throw attributes.invalid("kernel_shape", "\(declared) differs from w's kernel \(weights.kernel)")
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        guard channels == weights.inPerGroup * group else {
            throw attributes.input("x has \(channels) channels; w expects \(weights.inPerGroup) per group x \(group) groups")
        }
        let geometry = try spatial.resolve(input: Array(x.shape.dropFirst(2)), kernel: weights.kernel, attributes)
        let y = context.allocate(epilogue.outputType, [batch, weights.outChannels] + geometry.output)
        let g2 = geometry.planar
        let pixels = g2.output[0] * g2.output[1], inPixels = g2.input[0] * g2.input[1]
        guard pixels > 0, batch > 0 else { return [y] }
        let outPerGroup = weights.outChannels / group
        let depth = weights.inPerGroup * weights.taps
        let elementBytes = epilogue.outputType.byteSize ?? 1
        let px = x.storage.bytes.assumingMemoryBound(to: UInt8.self)
        // The stored zero point is what padding reads (a real 0 after dequantization).
        let padByte = UInt8(truncatingIfNeeded: xLayout.flips ? (xLayout.storedSigned ? epilogue.activationZero - 128 : epilogue.activationZero + 128) : epilogue.activationZero)
        let pointwise = g2.kernel == [1, 1] && g2.strides == [1, 1] && g2.padBegin == [0, 0] && g2.padEnd == [0, 0]
        let needColumnSums = epilogue.needsActivationSums
        let packedBytes = IGEMM.packedBytes(rows: depth, columns: pixels, asA: false)
        let panelCount = (pixels + IGEMM.nr - 1) / IGEMM.nr
        // im2col's row-major staging area: per panel range, (k rounded to 4, plus a zero row) x
        // the range's columns.
        let workPerPanel = ((depth + 3) / 4 * 4 + 1) * IGEMM.nr
        let workBytes = pointwise ? 0 : workPerPanel * panelCount
        var zero = epilogue.activationZero
        context.withByteScratch(packedBytes + workBytes + pixels * 4 + 64) { scratch in
            let work = scratch + packedBytes
            let columnSums = UnsafeMutableRawPointer(work + workBytes).alignedUp(for: Int32.self).assumingMemoryBound(to: Int32.self)
            for image in 0..<batch {
                for g in 0..<group {
                    let input = px + (image * channels + g * weights.inPerGroup) * inPixels
                    let panels = (pixels + IGEMM.nr - 1) / IGEMM.nr
                    let minPanels = max(1, 65_536 / max(1, depth * IGEMM.nr))
                    let kp = (depth + 3) / 4 * 4
                    context.parallelFor(panels, minChunk: minPanels) { range in
                        let n0 = range.lowerBound * IGEMM.nr, n1 = range.upperBound * IGEMM.nr
                        let destination = scratch + range.lowerBound * IGEMM.nr * kp
                        let sums = needColumnSums ? columnSums : nil
                        if pointwise {
                            ck_qpack_b(depth, pixels, input, inPixels, 1, xLayout.flips ? 1 : 0, 0, n0, n1, destination, sums)
                        } else {
                            ck_qim2col_pack(
                                input, weights.inPerGroup, g2.input[0], g2.input[1], g2.kernel[0], g2.kernel[1],
                                g2.strides[0], g2.strides[1], g2.dilations[0], g2.dilations[1], g2.padBegin[0], g2.padBegin[1],
                                g2.output[0], g2.output[1], n0, n1, padByte, xLayout.flips ? 1 : 0, 0, destination, sums,
                                work + range.lowerBound * workPerPanel)
                        }
                    }
                    let packed = weights.packed[g]
                    withUnsafePointer(to: &zero) { zeroPointer in
                        let ep = epilogue.make(
                            channelOffset: g * outPerGroup, activationZero: zeroPointer,
                            activationSums: needColumnSums ? UnsafePointer(columnSums) : nil,
                            weightSums: UnsafePointer(packed.sums.pointer))
                        IGEMM.packedProduct(
                            m: outPerGroup, n: pixels, k: depth, a: packed.pointer, b: scratch, aUnsigned: false,
                            c: y.storage.bytes + (image * weights.outChannels + g * outPerGroup) * pixels * elementBytes,
                            ldc: pixels, epilogue: ep, context: context)
                    }
                }
            }
        }
        return [y]
    }
}

/// An 8-bit convolution's weights packed per group as the integer GEMM's A operand (the int8
/// side), with their row sums.
final class IntegerConvWeights: @unchecked Sendable {
    let outChannels: Int
    let inPerGroup: Int
    let kernel: [Int]
    let taps: Int
    let packed: [PackedInt8Matrix]

    init(_ w: Tensor, group: Int, _ attributes: ComputeAttributes) throws(EngineError) {
        guard let layout = IntegerMatMulKernel.weightLayout(w.dataType) else {
            throw attributes.input("w must be int8 or uint8, got \(w.dataType)")
        }
        guard w.rank == 3 || w.rank == 4 else {
            if w.rank > 4 { throw attributes.unsupported("w", "\(w.rank - 2)-D convolution (the engine runs 1-D and 2-D)") }
            throw attributes.input("w must have rank 3 or 4, got shape \(w.shape)")
        }
        guard w.shape.allSatisfy({ $0 > 0 }) else { throw attributes.input("w has an empty axis: \(w.shape)") }
        guard w.shape[0] % group == 0 else {
            throw attributes.input("w's \(w.shape[0]) output channels do not divide into \(group) groups")
        }
        outChannels = w.shape[0]
        inPerGroup = w.shape[1]
        kernel = Array(w.shape.dropFirst(2))
        taps = kernel.reduce(1, *)
        let rows = outChannels / group, depth = inPerGroup * taps
        let base = w.storage.bytes.assumingMemoryBound(to: UInt8.self)
        packed = (0..<group).map { g in
            PackedInt8Matrix(rows: rows, columns: depth, source: base + g * rows * depth, rowStride: depth, columnStride: 1, layout: layout, asA: true)
        }
    }
}
