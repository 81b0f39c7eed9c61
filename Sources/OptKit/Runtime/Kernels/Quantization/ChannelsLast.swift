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
    /// A producer's output carries a border of [top, left, bottom, right] pixels whose bytes are
    /// all the value's zero point: the padding of the convolutions reading it, written once.
    /// The tensor's shape includes the border.
    static let borderAttribute = "channels_last_border"
    /// A reader whose x carries its own pads as a border, so it runs unpadded on it.
    static let paddedInputAttribute = "channels_last_padded_input"

    static func paddedChannels(_ channels: Int) -> Int { (channels + 3) / 4 * 4 }

    /// The border around a channels-last image (`borderAttribute`), in pixels.
    struct Border: Equatable, Sendable {
        var top = 0, left = 0, bottom = 0, right = 0

        static let none = Border()

        init(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) {
            (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
        }

        /// The border a producer's `borderAttribute` asks for (none when absent).
        init(_ attributes: ComputeAttributes) throws(EngineError) {
            guard let values = try attributes.ints(ChannelsLast.borderAttribute) else {
                self = .none
                return
            }
            guard values.count == 4, values.allSatisfy({ $0 >= 0 }) else {
                throw attributes.invalid(ChannelsLast.borderAttribute, "needs 4 values [top, left, bottom, right], none negative, got \(values)")
            }
            self.init(top: values[0], left: values[1], bottom: values[2], right: values[3])
        }

        /// The bordered image's rows and columns for an image of height x width.
        func size(height: Int, width: Int) -> (rows: Int, columns: Int) {
            (height + top + bottom, width + left + right)
        }

        /// Writes `value` into the border of `images` images of `cp` bytes per pixel, each of
        /// `rows` x `columns` pixels, border included.
        func fill(_ bytes: UnsafeMutablePointer<UInt8>, images: Int, rows: Int, columns: Int, cp: Int, value: UInt8) {
            guard self != .none else { return }
            for image in 0..<images {
                ck_fill_border(bytes + image * rows * columns * cp, rows, columns, cp, top, left, bottom, right, value)
            }
        }
    }
}

/// QuantizeLinear (scalar scale, uint8 zero point) of a float [N, C, spatial...] tensor into the
/// channels-last layout [N, spatial..., Cp]: the quantized input of a chain of fused int8
/// convolutions, written once in the layout they read. Same rounding as QuantizeLinear.
struct ChannelsLastQuantizeKernel: Kernel {
    let node: String
    /// The padding of the convolutions reading y, written around it (`ChannelsLast.Border`).
    let border: ChannelsLast.Border

    init(node: Node) throws(EngineError) {
        self.node = node.displayName
        border = try ChannelsLast.Border(ComputeAttributes(node))
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
        guard border == .none || x.rank == 4 else {
            throw .invalidInput(node: node, message: "a border needs a 2-D image [N, C, H, W], got \(x.shape)")
        }
        let scaleValue = scale.pointer(Float.self)[0]
        let zeroValue = Int32(zero.pointer(UInt8.self)[0])
        let (batch, channels) = (x.shape[0], x.shape[1])
        let spatial = Array(x.shape.dropFirst(2))
        let pixels = spatial.reduce(1, *)
        let cp = ChannelsLast.paddedChannels(channels)
        // A 2-D image row by row (its rows may sit inside a border); other ranks as one row.
        let (height, width) = x.rank == 4 ? (spatial[0], spatial[1]) : (1, pixels)
        let (rows, columns) = border.size(height: height, width: width)
        let y = context.allocate(.uint8, x.rank == 4 ? [batch, rows, columns, cp] : [batch] + spatial + [cp])
        let source = x.pointer(Float.self), output = y.storage.bytes.assumingMemoryBound(to: UInt8.self)
        border.fill(output, images: batch, rows: rows, columns: columns, cp: cp, value: UInt8(zeroValue))
        for image in 0..<batch {
            let interior = output + (image * rows * columns + border.top * columns + border.left) * cp
            ck_quantize_nhwc(source + image * channels * pixels, channels, height, width, cp, scaleValue, zeroValue, 0, 255,
                             interior, columns)
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
