/// A kernel that does part of its work once when some inputs are constants: packing weights
/// into the GEMM layout, folding a bias. The executor calls `specialized` at prepare time with
/// the node's constant inputs (nil for inputs that vary per run).
protocol ConstantSpecializable: Kernel {
    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel
}

/// An element-wise step the executor folds into the kernel producing its input, at prepare
/// time: the fused kernel applies it while the result is still in registers.
enum FusedEpilogue {
    /// Relu (`0...inf`) or Clip with constant bounds.
    case clamp(lower: Float, upper: Float)
    /// Tanh, or GELU in its exact erf form (the Gelu op, or the Div/Erf/Add/Mul/Mul pattern
    /// exporters write below opset 20).
    case activation(GemmEpilogue.Activation)
    /// An inference BatchNormalization after a convolution: y = x * scale[c] + shift[c].
    case channelAffine(scale: [Float], shift: [Float])
    /// An Add of a constant that broadcasts along the output's channel or column axis; the
    /// kernel decides whether the shape fits it.
    case addConstant(Tensor)
    /// A Div or Mul by a constant scalar: the product is scaled before any bias.
    case scale(Float)
    /// An Add of another computed value (a residual connection). The fused kernel reads that
    /// value as an extra last input; when its shape is not the output's at run time, it runs
    /// `fallback` (the Add's own kernel) on (output, value) in the original operand order.
    case addTensor(fallback: any Kernel, outputFirst: Bool)
    /// A QuantizeLinear with a constant scalar scale and 8-bit zero point: a kernel whose float
    /// result has just been activated (Tanh, GELU) rounds it straight to 8 bits, so a quantized
    /// graph's DequantizeLinear -> Gemm -> Tanh -> QuantizeLinear is one step, not three.
    case quantize(QuantizedType, scale: Float, zero: Int32)
}

/// A kernel that can absorb a following element-wise step; nil when it cannot (for example
/// BatchNormalization after a convolution whose weights are not constant).
protocol EpilogueFusable: Kernel {
    func fusing(_ epilogue: FusedEpilogue) -> (any Kernel)?
}

/// A kernel that can also write its float output rounded to 8 bits, as an extra last output
/// (`ExecutionPlan.foldQuantizedCopies`): a QuantizeLinear that is one of several readers of
/// that output (a post-norm transformer's LayerNormalization, whose value the residual Add
/// also reads) then takes no step of its own. nil when it cannot.
protocol QuantizedCopying: Kernel {
    func addingQuantizedCopy(_ type: QuantizedType, scale: Float, zero: Int32) -> (any Kernel)?
}

/// A kernel that can read an operand through a permutation of its axes instead of a Transpose
/// step writing the permuted copy: MatMul's packing takes any row and column strides, so the
/// attention heads' `Transpose(Reshape(x))` operands need no copy. nil when it cannot.
protocol OperandTransposing: Kernel {
    func readingTransposed(operand: Int, perm: [Int]) -> (any Kernel)?
}

/// A kernel that can exchange its 4-D float input 0 and output with its neighbours in the
/// engine-internal channels-last layout [N, H, W, C]: a chain of convolutions then never
/// transposes between them (`ExecutionPlan.assignChannelsLast`). Such values are never graph
/// outputs and are read by nothing else, so the layout is invisible outside the executor.
protocol ChannelsLastChaining: Kernel {
    /// Whether this kernel (as prepared) can read and write the channels-last layout.
    var chainsChannelsLast: Bool { get }
    func chaining(input: Bool, output: Bool) -> any Kernel
}
