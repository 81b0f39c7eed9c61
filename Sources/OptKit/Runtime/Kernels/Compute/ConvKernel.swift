import CKernels

/// Conv (opsets 1, 11, 22), 1-D and 2-D, with groups, dilations, strides, pads and auto_pad.
///
/// A 2-D convolution of one group with constant weights and more than one tap runs as an
/// implicit GEMM on channels-last pixels (`ConvKernel+ChannelsLast.swift`), and passes its
/// result to the next such convolution in that layout when the executor allows it
/// (`ChannelsLastChaining`). Otherwise each (image, group) is one GEMM: Y_g (out channels x
/// pixels) = W_g (out channels x in-channels * kernel taps) * im2col(X_g). The im2col matrix is
/// written straight into the GEMM's packed layout; a 1x1 convolution with unit strides and no
/// padding skips it and packs X itself. Depthwise convolutions (one input and one output
/// channel per group) run a direct kernel instead. Constant weights are packed once at prepare
/// time, and a following BatchNormalization, Relu/Clip or per-channel Add is folded into the
/// weights, bias and epilogue.
struct ConvKernel: ConstantSpecializable, EpilogueFusable, ChannelsLastChaining {
    let attributes: ComputeAttributes
    let spatial: SpatialAttributes
    let group: Int
    /// Weights known at prepare time.
    var weights: ConvWeights?
    /// Per output channel, from a constant B input and fused steps.
    var bias: [Float]?
    /// True when `bias` already includes the node's B input.
    var biasIsConstant = false
    var lower: Float = -.infinity
    var upper: Float = .infinity
    /// X arrives / Y leaves in the channels-last layout [N, H, W, C] (set by the executor).
    var channelsLastInput = false
    var channelsLastOutput = false

    init(node: Node) throws(EngineError) {
        attributes = ComputeAttributes(node)
        spatial = try SpatialAttributes(attributes)
        group = try attributes.int("group", default: 1)
        guard group >= 1 else { throw attributes.invalid("group", "must be at least 1, got \(group)") }
        if let rank = spatial.declaredRank, rank > 2 {
            throw attributes.unsupported("kernel_shape", "\(rank)-D convolution (the engine runs 1-D and 2-D)")
        }
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        guard constants.count >= 2, let w = constants[1], w.dataType == .float else { return self }
        guard w.rank == 3 || w.rank == 4 else {
            if w.rank > 4 { throw attributes.unsupported("W", "\(w.rank - 2)-D convolution (the engine runs 1-D and 2-D)") }
            throw attributes.input("W must have rank 3 or 4, got shape \(w.shape)")
        }
        var copy = self
        copy.weights = try ConvWeights(w.elements(Float.self), shape: w.shape, group: group, attributes, channelsLast: true)
        if constants.count >= 3 {
            if let b = constants[2] {
                guard b.dataType == .float, b.count == w.shape[0] else {
                    throw attributes.input("B must hold one float per output channel (\(w.shape[0])), got shape \(b.shape)")
                }
                copy.bias = b.elements(Float.self)
                copy.biasIsConstant = true
            }
        } else {
            copy.biasIsConstant = true
        }
        return copy
    }

    func fusing(_ fused: FusedEpilogue) -> (any Kernel)? {
        guard let weights, biasIsConstant, lower == -.infinity, upper == .infinity else { return nil }
        var copy = self
        let channels = weights.outChannels
        switch fused {
        case let .clamp(lower, upper):
            copy.lower = lower
            copy.upper = upper
        case .activation, .scale, .addTensor, .quantize:
            return nil
        case let .channelAffine(scale, shift):
            guard scale.count == channels else { return nil }
            copy.weights = weights.scaled(by: scale)
            copy.bias = (0..<channels).map { (bias?[$0] ?? 0) * scale[$0] + shift[$0] }
        case .addConstant(let addend):
            // One value per output channel, laid out so it broadcasts along the channel axis only.
            let dims = Array(addend.shape.drop { $0 == 1 })
            let rank = weights.kernel.count + 2
            guard addend.count == channels, addend.rank <= rank,
                dims.isEmpty ? channels == 1 : (dims[0] == channels && dims.count == weights.kernel.count + 1),
                addend.rank >= weights.kernel.count + 1
            else { return nil }
            let values = addend.elements(Float.self)
            copy.bias = (0..<channels).map { (bias?[$0] ?? 0) + values[$0] }
        }
        return copy
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        if let weights, let filters = weights.channelsLast { return try runChannelsLast(inputs, weights, filters, context) }
        guard inputs.count >= 2, let x = inputs[0] else { throw attributes.input("Conv takes inputs X and W") }
        guard x.dataType == .float else { throw attributes.input("Conv runs on float tensors, got \(x.dataType)") }
        let weights: ConvWeights
        if let prepared = self.weights {
            weights = prepared
        } else {
            guard let w = inputs[1], w.dataType == .float else { throw attributes.input("Conv's W must be a float tensor") }
            guard w.rank == 3 || w.rank == 4 else {
                if w.rank > 4 { throw attributes.unsupported("W", "\(w.rank - 2)-D convolution (the engine runs 1-D and 2-D)") }
                throw attributes.input("W must have rank 3 or 4, got shape \(w.shape)")
            }
            weights = try ConvWeights(w.elements(Float.self), shape: w.shape, group: group, attributes, channelsLast: false)
        }
        var bias = self.bias
        if !biasIsConstant, inputs.count >= 3, let b = inputs[2] {
            guard b.dataType == .float, b.count == weights.outChannels else {
                throw attributes.input("B must hold one float per output channel (\(weights.outChannels)), got shape \(b.shape)")
            }
            bias = b.elements(Float.self)
        }
        let spatialRank = weights.kernel.count
        guard x.rank == spatialRank + 2 else {
            throw attributes.input("X of shape \(x.shape) does not match W's \(spatialRank) spatial axes")
        }
        if let declared = spatial.kernelShape, declared != weights.kernel {
            throw attributes.invalid("kernel_shape", "\(declared) differs from W's kernel \(weights.kernel)")
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        guard channels == weights.inPerGroup * group else {
            throw attributes.input("X has \(channels) channels; W expects \(weights.inPerGroup) per group x \(group) groups")
        }
        let geometry = try spatial.resolve(input: Array(x.shape.dropFirst(2)), kernel: weights.kernel, attributes)
        let y = context.allocate(.float, [batch, weights.outChannels] + geometry.output)
        let g2 = geometry.planar
        let pixels = g2.output[0] * g2.output[1], inPixels = g2.input[0] * g2.input[1]
        let outPerGroup = weights.outChannels / group
        let px = x.pointer(Float.self), py = y.pointer(Float.self)
        if pixels == 0 { return [y] }

        if weights.isDepthwise {
            let (lower, upper) = (self.lower, self.upper)
            let planes = batch * channels
            let raw = weights.raw
            raw.withUnsafeBufferPointer { filters in
                context.parallelFor(planes) { range in
                    for plane in range {
                        let c = plane % channels
                        ck_depthwise_conv2d(
                            px + plane * inPixels, g2.input[0], g2.input[1], filters.baseAddress! + c * weights.taps,
                            g2.kernel[0], g2.kernel[1], g2.strides[0], g2.strides[1], g2.dilations[0], g2.dilations[1],
                            g2.padBegin[0], g2.padBegin[1], py + plane * pixels, g2.output[0], g2.output[1],
                            bias?[c] ?? 0, lower, upper)
                    }
                }
            }
            return [y]
        }

        var epilogue = GemmEpilogue(rowBias: bias, lower: lower, upper: upper)
        let depth = weights.inPerGroup * weights.taps
        let pointwise = g2.kernel == [1, 1] && g2.strides == [1, 1] && g2.padBegin == [0, 0] && g2.padEnd == [0, 0]
        context.withScratch(floats: ck_packed_b_count(depth, pixels)) { packedX in
            for image in 0..<batch {
                for g in 0..<group {
                    let input = px + (image * channels + g * weights.inPerGroup) * inPixels
                    let panels = (pixels + SGEMM.nr - 1) / SGEMM.nr
                    let minPanels = max(1, 16_384 / max(1, depth * SGEMM.nr))
                    context.parallelFor(panels, minChunk: minPanels) { range in
                        let n0 = range.lowerBound * SGEMM.nr, n1 = range.upperBound * SGEMM.nr
                        let destination = packedX + range.lowerBound * SGEMM.nr * depth
                        if pointwise {
                            ck_pack_b(depth, pixels, input, inPixels, 1, n0, n1, destination)
                        } else {
                            ck_im2col_pack(
                                input, weights.inPerGroup, g2.input[0], g2.input[1], g2.kernel[0], g2.kernel[1],
                                g2.strides[0], g2.strides[1], g2.dilations[0], g2.dilations[1], g2.padBegin[0], g2.padBegin[1],
                                g2.output[0], g2.output[1], n0, n1, destination)
                        }
                    }
                    epilogue.rowBiasOffset = g * outPerGroup
                    SGEMM.packedProduct(
                        m: outPerGroup, n: pixels, k: depth, a: weights.packed[g].pointer, b: packedX,
                        c: py + (image * weights.outChannels + g * outPerGroup) * pixels, ldc: pixels,
                        alpha: 1, epilogue: epilogue, context: context)
                }
            }
        }
        return [y]
    }
}

/// A convolution's weights, kept raw (to rescale for a fused BatchNormalization) and packed
/// either per group as the im2col GEMM's A operand or for the channels-last implicit GEMM.
final class ConvWeights: @unchecked Sendable {
    let raw: [Float]
    let outChannels: Int
    let inPerGroup: Int
    let kernel: [Int]
    let group: Int
    /// Kernel taps per channel (kh * kw).
    let taps: Int
    let packed: [PackedMatrix]
    /// The channels-last kernel's packing, instead of `packed`: for 2-D convolutions of one
    /// group with more than one tap (a 1x1 convolution reads X as it is in the GEMM).
    let channelsLast: ChannelsLastFilters?

    /// One input and one output channel per group: the direct kernel runs it.
    var isDepthwise: Bool { group > 1 && inPerGroup == 1 && outChannels == group }

    /// `channelsLast`: pack for the channels-last kernel when the shape suits it (constant
    /// weights only; weights given per run use the im2col GEMM).
    convenience init(_ raw: [Float], shape: [Int], group: Int, _ attributes: ComputeAttributes, channelsLast: Bool) throws(EngineError) {
        guard shape[0] % group == 0 else {
            throw attributes.input("W's \(shape[0]) output channels do not divide into \(group) groups")
        }
        guard shape.allSatisfy({ $0 > 0 }) else { throw attributes.input("W has an empty axis: \(shape)") }
        self.init(validated: raw, shape: shape, group: group, channelsLast: channelsLast)
    }

    private init(validated raw: [Float], shape: [Int], group: Int, channelsLast: Bool) {
        self.raw = raw
        self.group = group
        outChannels = shape[0]
        inPerGroup = shape[1]
        kernel = Array(shape.dropFirst(2))
        taps = kernel.reduce(1, *)
        let rows = outChannels / group, depth = inPerGroup * taps
        let isDepthwise = group > 1 && inPerGroup == 1 && outChannels == group
        if channelsLast, group == 1, kernel.count == 2, taps > 1 {
            self.channelsLast = ChannelsLastFilters(raw, outChannels: outChannels, channels: inPerGroup, taps: taps)
            packed = []
            return
        }
        self.channelsLast = nil
        packed = isDepthwise ? [] : raw.withUnsafeBufferPointer { buffer in
            (0..<group).map { g in
                PackedMatrix(rows: rows, columns: depth, source: buffer.baseAddress! + g * rows * depth,
                             rowStride: depth, columnStride: 1, asA: true)
            }
        }
    }

    /// Weights with each output channel's filter multiplied by `scale[channel]`.
    func scaled(by scale: [Float]) -> ConvWeights {
        let perChannel = inPerGroup * taps
        var values = raw
        for channel in 0..<outChannels {
            for index in channel * perChannel..<(channel + 1) * perChannel { values[index] *= scale[channel] }
        }
        return ConvWeights(validated: values, shape: [outChannels, inPerGroup] + kernel, group: group, channelsLast: channelsLast != nil)
    }
}
