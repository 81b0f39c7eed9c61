import CKernels

/// A float convolution's constant weights packed for `ck_sconv`: panels of `CK_SNR` output
/// channels, k = tap * channels + channel.
final class ChannelsLastFilters: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>

    init(_ raw: [Float], outChannels: Int, channels: Int, taps: Int) {
        let count = max(1, ck_sconv_weights_count(taps, channels, outChannels))
        pointer = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        raw.withUnsafeBufferPointer { source in
            ck_sconv_pack_weights(outChannels, channels, taps, source.baseAddress!, pointer)
        }
    }

    deinit { pointer.deallocate() }
}

extension ConvKernel {
    var chainsChannelsLast: Bool { weights?.channelsLast != nil }

    func chaining(input: Bool, output: Bool) -> any Kernel {
        var copy = self
        copy.channelsLastInput = input
        copy.channelsLastOutput = output
        return copy
    }

    /// The convolution as an implicit GEMM over channels-last pixels (`ck_sconv`): output
    /// pixels are rows, output channels columns, and each kernel row's taps are read where they
    /// lie. X is channels-last when the previous convolution wrote it so; a standard NCHW X (a
    /// model's input image) is transposed once into scratch. Y is written channels-last for a
    /// next convolution that reads it so; else the result is transposed once into NCHW.
    func runChannelsLast(
        _ inputs: [Tensor?], _ weights: ConvWeights, _ filters: ChannelsLastFilters, _ context: KernelContext
    ) throws(EngineError) -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw attributes.input("Conv takes inputs X and W") }
        guard x.dataType == .float else { throw attributes.input("Conv runs on float tensors, got \(x.dataType)") }
        var bias = self.bias
        if !biasIsConstant, inputs.count >= 3, let b = inputs[2] {
            guard b.dataType == .float, b.count == weights.outChannels else {
                throw attributes.input("B must hold one float per output channel (\(weights.outChannels)), got shape \(b.shape)")
            }
            bias = b.elements(Float.self)
        }
        guard x.rank == 4 else { throw attributes.input("X of shape \(x.shape) does not match W's 2 spatial axes") }
        if let declared = spatial.kernelShape, declared != weights.kernel {
            throw attributes.invalid("kernel_shape", "\(declared) differs from W's kernel \(weights.kernel)")
        }
        let channels = weights.inPerGroup
        let (batch, height, width, xChannels) = channelsLastInput
            ? (x.shape[0], x.shape[1], x.shape[2], x.shape[3]) : (x.shape[0], x.shape[2], x.shape[3], x.shape[1])
        guard xChannels == channels else {
            throw attributes.input("X has \(xChannels) channels; W expects \(channels)")
        }
        let geometry = try spatial.resolve(input: [height, width], kernel: weights.kernel, attributes)
        let (outH, outW) = (geometry.output[0], geometry.output[1])
        let n = weights.outChannels, pixels = outH * outW, inPixels = height * width
        let y = context.allocate(.float, channelsLastOutput ? [batch, outH, outW, n] : [batch, n, outH, outW])
        guard batch > 0, pixels > 0 else { return [y] }

        let taps = weights.taps, kernelH = geometry.kernel[0]
        let workFloats = (ck_sconv_work_bytes(taps, kernelH) + 63) / 64 * 16
        let chunks = context.threadCount
        let staging = channelsLastInput ? 0 : (inPixels * channels + 15) / 16 * 16
        let result = channelsLastOutput ? 0 : (pixels * n + 15) / 16 * 16
        let blocks = (pixels + Int(CK_SMR) - 1) / Int(CK_SMR)
        // Enough multiply-adds per chunk to be worth a thread (as the packed product).
        let minBlocks = max(1, SGEMM.parallelThreshold / max(1, Int(CK_SMR) * n * taps * channels))
        let (lower, upper) = (self.lower, self.upper)
        let px = x.pointer(Float.self), py = y.pointer(Float.self)
        context.withScratch(floats: chunks * workFloats + staging + result + channels) { scratch in
            let transposed = scratch + chunks * workFloats
            let product = transposed + staging
            // What padding taps read: one pixel of zeros.
            let zeros = product + result
            zeros.update(repeating: 0, count: channels)
            let g = geometry
            withOptionalPointer(bias) { biasPointer in
                for image in 0..<batch {
                    var input = UnsafePointer(px + image * inPixels * channels)
                    if !channelsLastInput {
                        ck_transpose32(input, channels, inPixels, transposed)
                        input = UnsafePointer(transposed)
                    }
                    let output = channelsLastOutput ? py + image * pixels * n : product
                    context.parallelChunks(blocks, minChunk: minBlocks) { chunk, range in
                        ck_sconv(
                            input, height, width, channels, g.kernel[0], g.kernel[1], g.strides[0], g.strides[1],
                            g.dilations[0], g.dilations[1], g.padBegin[0], g.padBegin[1], outH, outW, n, filters.pointer,
                            biasPointer, lower, upper, output, n, range.lowerBound * Int(CK_SMR),
                            min(pixels, range.upperBound * Int(CK_SMR)), zeros, scratch + chunk * workFloats)
                    }
                    if !channelsLastOutput { ck_transpose32(product, pixels, n, py + image * pixels * n) }
                }
            }
        }
        return [y]
    }
}

/// `body` with a pointer to `values`' elements, or nil when there are none.
private func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
