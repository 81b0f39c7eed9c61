import CKernels

extension IntegerConvKernel {
    /// The fused convolution on a channels-last input (`ChannelsLast`): one implicit GEMM per
    /// image (`ck_qconv_nhwc`), output pixels as rows and output channels as columns, so no
    /// im2col matrix is built. The result is written channels-last when the next convolution
    /// reads it that way, else transposed once into the standard NCHW layout.
    func runChannelsLast(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let x = try inputs.required(0, attributes.name)
        guard let prepared = channelsLastWeights, let epilogue, epilogueActivationType == .uint8,
            !epilogue.needsActivationSums
        else {
            throw attributes.input("the channels-last kernel needs constant int8 weights with zero point 0, a uint8 x and constant scales")
        }
        let cp = prepared.paddedInChannels
        guard x.dataType == .uint8, x.rank == 4, x.shape[3] == cp else {
            throw attributes.input("x must be channels-last uint8 [N, H, W, \(cp)], got \(x.dataType) \(x.shape)")
        }
        if let declared = spatial.kernelShape, declared != prepared.kernel {
            throw attributes.invalid("kernel_shape", "\(declared) differs from w's kernel \(prepared.kernel)")
        }
        let batch = x.shape[0], height = x.shape[1], width = x.shape[2]
        // A padded x carries this node's pads: the convolution runs unpadded on it.
        let geometry = try (paddedInput ? spatial.unpadded : spatial).resolve(input: [height, width], kernel: prepared.kernel, attributes)
        let (outH, outW) = (geometry.output[0], geometry.output[1])
        let n = prepared.outChannels, pixels = outH * outW
        let outputType = epilogue.outputType
        let elementBytes = outputType.byteSize ?? 1
        let y: Tensor
        let ldy = channelsLastOutput ? ChannelsLast.paddedChannels(n) : n
        // y's rows and columns: a channels-last y may have a border around the output.
        let (rows, columns) = outputBorder.size(height: outH, width: outW)
        if channelsLastOutput {
            guard outputType == .uint8, case .quantized(_, let outputZero, _) = epilogue.output else {
                throw attributes.input("a channels-last output must be uint8, got \(outputType)")
            }
            y = context.allocate(.uint8, [batch, rows, columns, ldy])
            outputBorder.fill(y.storage.bytes.assumingMemoryBound(to: UInt8.self), images: batch, rows: rows,
                              columns: columns, cp: ldy, value: UInt8(truncatingIfNeeded: outputZero))
        } else {
            y = context.allocate(outputType, [batch, n, outH, outW])
        }
        guard batch > 0, pixels > 0 else { return [y] }
        let taps = prepared.kernel.reduce(1, *)
        var shape = ck_conv2d(
            height: height, width: width, channels: cp, kernel_h: geometry.kernel[0], kernel_w: geometry.kernel[1],
            stride_h: geometry.strides[0], stride_w: geometry.strides[1], dilation_h: geometry.dilations[0],
            dilation_w: geometry.dilations[1], pad_top: geometry.padBegin[0], pad_left: geometry.padBegin[1],
            out_h: outH, out_w: outW)
        let workBytes = ck_qconv_work_bytes(&shape, n)
        let chunks = context.threadCount
        // Scratch: one work area per chunk and (NCHW output) the [pixel][channel] result before
        // its transposition.
        let staging = channelsLastOutput ? 0 : pixels * n * elementBytes
        let padByte = UInt8(truncatingIfNeeded: epilogue.activationZero)
        var zero = epilogue.activationZero
        let px = x.storage.bytes.assumingMemoryBound(to: UInt8.self)
        context.withByteScratch(64 + chunks * workBytes + 64 + staging) { scratch in
            let work = UnsafeMutableRawPointer(scratch).alignedUp(toMultipleOf: 64).assumingMemoryBound(to: UInt8.self)
            let stage = UnsafeMutableRawPointer(work + chunks * workBytes).alignedUp(toMultipleOf: 64)
            withUnsafePointer(to: &zero) { zeroPointer in
                var ep = epilogue.make(
                    channelOffset: 0, activationZero: zeroPointer, activationSums: nil,
                    weightSums: UnsafePointer(prepared.sums.pointer)
                ).transposed
                // The weights' zero points are all 0 here (checked above): no per-output term
                // for them in the epilogue.
                ep.col_zero = nil
                ep.col_zero_step = 0
                let blocks = (pixels + IGEMM.mr - 1) / IGEMM.mr
                // Enough multiply-adds per chunk to be worth a thread (as the packed product).
                let perBlock = IGEMM.mr * n * taps * cp
                let minBlocks = max(1, 4 * SGEMM.parallelThreshold / max(1, perBlock))
                for image in 0..<batch {
                    let input = px + image * height * width * cp
                    // Channels-last: the first output pixel inside the border; y_row is the
                    // bordered row's length.
                    let output: UnsafeMutableRawPointer =
                        channelsLastOutput
                        ? y.storage.bytes + (image * rows * columns + outputBorder.top * columns + outputBorder.left) * ldy
                        : stage
                    withUnsafePointer(to: &ep) { epPointer in
                        context.parallelChunks(blocks, minChunk: minBlocks) { chunk, range in
                            ck_qconv_nhwc(
                                &shape, n, input, prepared.pointer, epPointer, output, ldy, channelsLastOutput ? columns : outW,
                                range.lowerBound * IGEMM.mr,
                                min(pixels, range.upperBound * IGEMM.mr), padByte, work + chunk * workBytes)
                        }
                    }
                    if channelsLastOutput {
                        // Channels past n (when n is not a multiple of 4) are never read as data
                        // (their weights in the next convolution are 0); set them for determinism.
                        if ldy > n {
                            let bytes = output.assumingMemoryBound(to: UInt8.self)
                            for pixel in 0..<pixels {
                                (bytes + ((pixel / outW) * columns + pixel % outW) * ldy + n).update(repeating: 0, count: ldy - n)
                            }
                        }
                    } else {
                        Self.transpose(stage, rows: pixels, columns: n, elementBytes: elementBytes,
                                       into: y.storage.bytes + image * n * pixels * elementBytes)
                    }
                }
            }
        }
        return [y]
    }

    /// dst[c][r] = src[r][c] for 1- or 4-byte elements: the channels-last product's
    /// [pixel][channel] result into NCHW.
    private static func transpose(_ source: UnsafeMutableRawPointer, rows: Int, columns: Int, elementBytes: Int,
                                  into destination: UnsafeMutableRawPointer) {
        if elementBytes == 4 {
            ck_transpose32(source, rows, columns, destination)
        } else {
            let s = source.assumingMemoryBound(to: UInt8.self), d = destination.assumingMemoryBound(to: UInt8.self)
            for r in 0..<rows {
                for c in 0..<columns { d[c * rows + r] = s[r * columns + c] }
            }
        }
    }
}
