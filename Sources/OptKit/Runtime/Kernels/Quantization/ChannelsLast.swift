import CKernels

/// The engine-internal channels-last layout of 8-bit activations between fused int8
/// convolutions (`QDQFusion` decides where it is used): an image is [N, H, W, Cp] uint8, Cp the
/// channel count rounded up to a multiple of 4 so that every pixel's channels are whole 4-byte
/// groups of the integer GEMM's k. Values in this layout are never visible outside the
/// executor: the rewrite only chooses it for values that are not graph outputs and whose every
/// reader is a fused convolution that reads it this way.
enum ChannelsLast {
    /// The attribute a fused node carries when it reads (`channels_last_input`) or writes
    /// (`channels_last_output`) this layout.
    static let inputAttribute = "channels_last_input"
    static let outputAttribute = "channels_last_output"
    /// The fused-domain op quantizing a float NCHW tensor straight into this layout.
    static let quantizeOp = "QuantizeChannelsLast"

    static func paddedChannels(_ channels: Int) -> Int { (channels + 3) / 4 * 4 }
}

/// QuantizeLinear (scalar scale, uint8 zero point) of a float [N, C, spatial...] tensor into the
/// channels-last layout [N, spatial..., Cp]: the quantized input of a chain of fused int8
/// convolutions, written once in the layout they read. Same rounding as QuantizeLinear.
struct ChannelsLastQuantizeKernel: Kernel {
    let node: String

    init(node: Node) {
        self.node = node.displayName
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        var x = try inputs.required(0, node)
        let scale = try inputs.required(1, node), zero = try inputs.required(2, node)
        if x.dataType == .float16 { x = try castTensor(x, to: .float, node: node, context: context) }
        guard x.dataType == .float, x.rank >= 3 else {
            throw .invalidInput(node: node, message: "x must be a float tensor [N, C, spatial...], got \(x.dataType) \(x.shape)")
        }
        guard scale.dataType == .float, scale.count == 1, zero.dataType == .uint8, zero.count == 1 else {
            throw .invalidInput(node: node, message: "a scalar float scale and a scalar uint8 zero point are required")
        }
        let scaleValue = scale.pointer(Float.self)[0]
        let zeroValue = Int32(zero.pointer(UInt8.self)[0])
        let (batch, channels) = (x.shape[0], x.shape[1])
        let spatial = Array(x.shape.dropFirst(2))
        let pixels = spatial.reduce(1, *)
        let cp = ChannelsLast.paddedChannels(channels)
        let y = context.allocate(.uint8, [batch] + spatial + [cp])
        let source = x.pointer(Float.self), output = y.storage.bytes.assumingMemoryBound(to: UInt8.self)
        for image in 0..<batch {
            ck_quantize_nhwc(source + image * channels * pixels, channels, pixels, cp, scaleValue, zeroValue, 0, 255,
                             output + image * pixels * cp)
        }
        return [y]
    }
}

/// A 2-D convolution's int8 weights (zero point 0) packed for `ck_qconv_nhwc`: k runs over
/// (tap, input channel padded to Cp), the output channels are the columns; with the weights'
/// column sums for the activation zero-point correction.
final class ChannelsLastConvWeights: @unchecked Sendable {
    let outChannels: Int
    let inChannels: Int
    let paddedInChannels: Int
    let kernel: [Int]
    let pointer: UnsafeMutablePointer<UInt8>
    let sums: PinnedArray<Int32>

    init(_ w: Tensor) {
        let (n, c) = (w.shape[0], w.shape[1])
        let cp = ChannelsLast.paddedChannels(c)
        let taps = w.shape.dropFirst(2).reduce(1, *)
        let bytes = ck_qconv_weights_bytes(taps, cp, n)
        let packed = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes), alignment: 64).bindMemory(to: UInt8.self, capacity: max(1, bytes))
        var sums = [Int32](repeating: 0, count: n)
        let source = w.storage.bytes.assumingMemoryBound(to: Int8.self)
        sums.withUnsafeMutableBufferPointer { out in
            ck_qconv_pack_weights(n, c, taps, cp, source, packed, out.baseAddress)
        }
        (outChannels, inChannels, paddedInChannels, kernel) = (n, c, cp, Array(w.shape.dropFirst(2)))
        pointer = packed
        self.sums = PinnedArray(sums)
    }

    deinit { pointer.deallocate() }
}

extension ck_qepilogue {
    /// The same epilogue for the transposed product: what applied per row applies per column
    /// and the reverse (a convolution's output channels are rows in the NCHW im2col product and
    /// columns in the channels-last one).
    var transposed: ck_qepilogue {
        var ep = self
        (ep.row_zero, ep.col_zero) = (col_zero, row_zero)
        (ep.row_zero_step, ep.col_zero_step) = (col_zero_step, row_zero_step)
        (ep.row_sums, ep.col_sums) = (col_sums, row_sums)
        (ep.row_bias_i32, ep.col_bias_i32) = (col_bias_i32, row_bias_i32)
        (ep.row_scale, ep.col_scale) = (col_scale, row_scale)
        (ep.row_bias, ep.col_bias) = (col_bias, row_bias)
        return ep
    }
}
