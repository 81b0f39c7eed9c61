import CKernels

/// What the integer product of a quantized op turns into, with the per-row or per-column values
/// at stable addresses for the C epilogue. Built once at prepare time when the op's scales and
/// zero points are constants (always so in a fused QDQ graph), else per run.
final class IntegerEpilogue: @unchecked Sendable {
    enum Output: Sendable, Equatable {
        /// The zero-point-corrected int32 sums (MatMulInteger, ConvInteger).
        case int32
        /// Dequantized: sum * scale + bias, clamped (a fused QDQ op with a float consumer).
        case float(lower: Float, upper: Float)
        /// Requantized to `type` with `zero`, clamped to `range` (a narrower range is a fused Relu).
        case quantized(QuantizedType, zero: Int32, range: ClosedRange<Int32>)
    }

    /// Along which axis of C the output channel runs: rows for a convolution (W is the A
    /// operand), columns for a matrix product (W is the B operand).
    enum ChannelAxis: Sendable { case rows, columns }

    let output: Output
    let channelAxis: ChannelAxis
    /// The activation's zero point (packed representation) and the weight's per channel.
    let activationZero: Int32
    let weightZero: PinnedArray<Int32>
    let weightZeroPerChannel: Bool
    let scales: PinnedArray<Float>?
    let floatBias: PinnedArray<Float>?
    let integerBias: PinnedArray<Int32>?
    /// Requantize in float32 rather than double (`ck_qepilogue.requant_single`): a fused QDQ
    /// op, whose graph computes in float32 anyway.
    let singlePrecision: Bool
    /// A fused Tanh or GELU on a float output.
    private(set) var activation = GemmEpilogue.Activation.none
    /// With an activation and an 8-bit output: 1 / the output scale, applied to the activated
    /// float value before rounding (a fused QuantizeLinear after the activation).
    private(set) var outScale: Float = 1

    var needsActivationSums: Bool { (0..<weightZero.count).contains { weightZero.pointer[$0] != 0 } }
    var needsWeightSums: Bool { activationZero != 0 }

    init(output: Output, channelAxis: ChannelAxis, activationZero: Int32, weightZero: [Int32],
         scales: [Float]?, floatBias: [Float]?, integerBias: [Int32]?, singlePrecision: Bool) {
        self.output = output
        self.singlePrecision = singlePrecision
        self.channelAxis = channelAxis
        self.activationZero = activationZero
        weightZeroPerChannel = weightZero.count > 1
        self.weightZero = PinnedArray(weightZero.isEmpty ? [0] : weightZero)
        self.scales = scales.map { PinnedArray($0) }
        self.floatBias = floatBias.map { PinnedArray($0) }
        self.integerBias = integerBias.map { PinnedArray($0) }
    }

    private init(copying other: IntegerEpilogue, output: Output, floatBias: PinnedArray<Float>?, activation: GemmEpilogue.Activation? = nil,
                 outScale: Float? = nil) {
        self.activation = activation ?? other.activation
        self.outScale = outScale ?? other.outScale
        self.output = output
        channelAxis = other.channelAxis
        activationZero = other.activationZero
        weightZero = other.weightZero
        weightZeroPerChannel = other.weightZeroPerChannel
        scales = other.scales
        self.floatBias = floatBias
        integerBias = other.integerBias
        singlePrecision = other.singlePrecision
    }

    /// The same product with another output (a fused Relu narrows the clamp).
    func replacingOutput(_ output: Output) -> IntegerEpilogue {
        IntegerEpilogue(copying: self, output: output, floatBias: floatBias)
    }

    /// A float output to which nothing but biases has been applied: a further step may follow.
    var acceptsMore: Bool {
        guard case .float(let lower, let upper) = output else { return false }
        return lower == -.infinity && upper == .infinity && activation == .none
    }

    /// The same float-output product followed by `activation`.
    func activated(_ activation: GemmEpilogue.Activation) -> IntegerEpilogue? {
        guard acceptsMore else { return nil }
        return IntegerEpilogue(copying: self, output: output, floatBias: floatBias, activation: activation)
    }

    /// The same activated float-output product rounded to 8 bits: value / scale + zero,
    /// saturated to `type`'s range (a fused QuantizeLinear). Only after an activation: without
    /// one, `QDQFusion` already folds the output scale into the product's own scales.
    func quantized(_ type: QuantizedType, scale: Float, zero: Int32) -> IntegerEpilogue? {
        guard case .float(let lower, let upper) = output, lower == -.infinity, upper == .infinity,
            activation != .none, type.byteCount == 1, scale > 0, scale.isFinite
        else { return nil }
        return IntegerEpilogue(copying: self, output: .quantized(type, zero: zero, range: type.range), floatBias: floatBias,
                               outScale: 1 / scale)
    }

    /// The same float-output product with `addend` (one value per output channel) added to its
    /// bias: a fused Add of a constant.
    func addingBias(_ addend: [Float]) -> IntegerEpilogue? {
        guard acceptsMore else { return nil }
        let current = floatBias.map { Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count)) }
            ?? [Float](repeating: 0, count: addend.count)
        guard current.count == addend.count else { return nil }
        return IntegerEpilogue(copying: self, output: output, floatBias: PinnedArray(zip(current, addend).map(+)))
    }

    var outputType: DataType {
        switch output {
        case .int32: .int32
        case .float: .float
        case .quantized(let type, _, _): type.dataType
        }
    }

    /// The C epilogue for the product whose output channels start at `channelOffset` (a group
    /// of a grouped convolution); `activationSums` / `weightSums` are the packed operands' sums
    /// along k (only read when the other side's zero point is not 0). The pointers in the result
    /// live as long as this object and the sums.
    func make(channelOffset: Int, activationZero zero: UnsafePointer<Int32>,
              activationSums: UnsafePointer<Int32>?, weightSums: UnsafePointer<Int32>?) -> ck_qepilogue {
        var ep = ck_qepilogue.raw
        let wz = UnsafePointer(weightZero.pointer + (weightZeroPerChannel ? channelOffset : 0))
        let step = weightZeroPerChannel ? 1 : 0
        let scale = scales.map { UnsafePointer($0.pointer + (($0.count > 1) ? channelOffset : 0)) }
        let perChannelScale = (scales?.count ?? 0) > 1
        let fb = floatBias.map { UnsafePointer($0.pointer + channelOffset) }
        let ib = integerBias.map { UnsafePointer($0.pointer + channelOffset) }
        switch channelAxis {
        case .rows:
            ep.row_zero = wz
            ep.row_zero_step = step
            ep.col_zero = zero
            ep.col_zero_step = 0
            ep.row_sums = weightSums
            ep.col_sums = activationSums
            ep.row_bias = fb
            ep.row_bias_i32 = ib
            if perChannelScale { ep.row_scale = scale }
        case .columns:
            ep.row_zero = zero
            ep.row_zero_step = 0
            ep.col_zero = wz
            ep.col_zero_step = step
            ep.row_sums = activationSums
            ep.col_sums = weightSums
            ep.col_bias = fb
            ep.col_bias_i32 = ib
            if perChannelScale { ep.col_scale = scale }
        }
        if let scales, scales.count == 1 { ep.scale = scales.pointer[0] }
        ep.activation = activation.rawValue
        ep.out_scale = outScale
        switch output {
        case .int32:
            ep.output = CK_QOUT_I32
        case let .float(lower, upper):
            ep.output = CK_QOUT_F32
            ep.lo = lower
            ep.hi = upper
        case let .quantized(_, zero, range):
            ep.output = CK_QOUT_I8
            ep.out_zero = zero
            ep.qlo = range.lowerBound
            ep.qhi = range.upperBound
            ep.requant_single = singlePrecision ? 1 : 0
        }
        return ep
    }
}

/// Scale arithmetic as ONNX's reference does it: in float32, or, when the scales are float16,
/// rounded to float16 after each operation (numpy computes float16 that way).
struct ScaleArithmetic {
    let half: Bool

    func round(_ value: Float) -> Float {
        half ? HalfConversion.float(HalfConversion.halfBits(value)) : value
    }

    /// input_scale * weight_scale[c] / output_scale (requantizing ops), or without the
    /// division when `output` is nil (a dequantized result).
    func combined(input: Float, weight: [Float], output: Float?) -> [Float] {
        weight.map { w in
            let product = round(input * w)
            guard let output else { return product }
            return round(product / output)
        }
    }
}

extension IntegerEpilogue.Output {
    /// The output form of QLinearConv / QLinearMatMul and of fused QDQ ops: quantized to the
    /// y zero point's type (else `defaultType`) when a y scale is given, else float. A fused
    /// Relu clamps at the zero point (quantized) or at 0 (float).
    static func resolve(
        quantized: Bool, yZero: Tensor?, defaultType: DataType, relu: Bool, node: String
    ) throws(EngineError) -> Self {
        guard quantized else { return .float(lower: relu ? 0 : -.infinity, upper: .infinity) }
        let typeSource = yZero?.dataType ?? defaultType
        guard let type = QuantizedType(typeSource), type.byteCount == 1 else {
            throw .invalidInput(node: node, message: "y_zero_point must be uint8 or int8, got \(typeSource)")
        }
        let zero = try yZero?.zeroPointValues(node, "y_zero_point").first ?? 0
        let range = relu ? max(zero, type.range.lowerBound)...type.range.upperBound : type.range
        return .quantized(type, zero: zero, range: range)
    }
}
