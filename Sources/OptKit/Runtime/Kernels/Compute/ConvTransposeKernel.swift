/// ConvTranspose (opsets 1, 11, 22), 1-D and 2-D, with groups, strides, dilations, pads or
/// auto_pad, output_padding and output_shape.
///
/// Per (image, group): columns = W_g^T (out channels * taps x in channels) * X_g (in channels
/// x pixels) on the GEMM, then col2im adds each column into the output window it covers.
/// With output_shape the padding follows the operator's formula (total padding split by
/// auto_pad; NOTSET puts the larger half first).
struct ConvTransposeKernel: Kernel {
    let attributes: ComputeAttributes
    let spatial: SpatialAttributes
    let group: Int
    let outputPadding: [Int]?
    let outputShape: [Int]?

    init(node: Node) throws(EngineError) {
        attributes = ComputeAttributes(node)
        spatial = try SpatialAttributes(attributes)
        group = try attributes.int("group", default: 1)
        guard group >= 1 else { throw attributes.invalid("group", "must be at least 1, got \(group)") }
        outputPadding = try attributes.ints("output_padding")
        outputShape = try attributes.ints("output_shape")
        if let rank = spatial.declaredRank ?? outputPadding?.count, rank > 2 {
            throw attributes.unsupported("kernel_shape", "\(rank)-D ConvTranspose (the engine runs 1-D and 2-D)")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0], let w = inputs[1] else {
            throw attributes.input("ConvTranspose takes inputs X and W")
        }
        let bias = inputs.count >= 3 ? inputs[2] : nil
        guard x.dataType == .float, w.dataType == .float, bias?.dataType ?? .float == .float else {
            throw attributes.input("ConvTranspose runs on float tensors")
        }
        guard w.rank <= 4 else {
            throw attributes.unsupported("W", "\(w.rank - 2)-D ConvTranspose (the engine runs 1-D and 2-D)")
        }
        guard w.rank >= 3, x.rank == w.rank else {
            throw attributes.input("X \(x.shape) and W \(w.shape) must both have rank 3 or 4")
        }
        let rank = x.rank - 2
        let (batch, channels) = (x.shape[0], x.shape[1])
        guard channels == w.shape[0], channels % group == 0 else {
            throw attributes.input("X has \(channels) channels; W has \(w.shape[0]) input channels in \(group) groups")
        }
        let outPerGroup = w.shape[1], outChannels = outPerGroup * group, inPerGroup = channels / group
        let kernel = Array(w.shape.dropFirst(2))
        if let declared = spatial.kernelShape, declared != kernel {
            throw attributes.invalid("kernel_shape", "\(declared) differs from W's kernel \(kernel)")
        }
        guard bias == nil || bias!.count == outChannels else {
            throw attributes.input("B must hold \(outChannels) values, got shape \(bias!.shape)")
        }
        let input = Array(x.shape.dropFirst(2))
        let strides = spatial.strides ?? [Int](repeating: 1, count: rank)
        let dilations = spatial.dilations ?? [Int](repeating: 1, count: rank)
        let extraPadding = outputPadding ?? [Int](repeating: 0, count: rank)
        for (name, values) in [("strides", strides), ("dilations", dilations), ("output_padding", extraPadding)] where values.count != rank {
            throw attributes.invalid(name, "has \(values.count) values for \(rank) spatial axes")
        }
        var padBegin = [Int](repeating: 0, count: rank), output = padBegin
        for axis in 0..<rank {
            let full = strides[axis] * (input[axis] - 1) + extraPadding[axis] + (kernel[axis] - 1) * dilations[axis] + 1
            if let pads = spatial.pads, outputShape == nil {
                guard pads.count == 2 * rank else { throw attributes.invalid("pads", "has \(pads.count) values for \(rank) spatial axes") }
                padBegin[axis] = pads[axis]
                output[axis] = full - pads[axis] - pads[axis + rank]
            } else {
                let target: Int
                if let outputShape {
                    guard outputShape.count == rank || outputShape.count == rank + 2 else {
                        throw attributes.invalid("output_shape", "has \(outputShape.count) values for \(rank) spatial axes")
                    }
                    target = outputShape[outputShape.count - rank + axis]
                } else if spatial.autoPad == .sameUpper || spatial.autoPad == .sameLower {
                    target = input[axis] * strides[axis]
                } else {
                    target = full
                }
                let total = full - target
                // Floor division: a negative total (a larger output_shape) pads the end.
                let half = Int((Double(total) / 2).rounded(.down))
                padBegin[axis] = spatial.autoPad == .sameUpper ? half : total - half
                output[axis] = target
            }
            guard output[axis] > 0 else {
                throw attributes.input("spatial axis \(axis): the output size would be \(output[axis])")
            }
        }
        let y = context.allocate(.float, [batch, outChannels] + output)
        let py = y.pointer(Float.self), px = x.pointer(Float.self), pw = w.pointer(Float.self)
        // Planar (2-D) view of every per-axis value.
        func planar(_ values: [Int], _ fill: Int) -> [Int] { rank == 1 ? [fill] + values : values }
        let (inHW, outHW, k2) = (planar(input, 1), planar(output, 1), planar(kernel, 1))
        let (s2, d2, p2) = (planar(strides, 1), planar(dilations, 1), planar(padBegin, 0))
        let pixels = inHW[0] * inHW[1], outPixels = outHW[0] * outHW[1], taps = k2[0] * k2[1]
        let rows = outPerGroup * taps
        let pb = bias?.pointer(Float.self)
        for plane in 0..<batch * outChannels {
            let value = pb?[plane % outChannels] ?? 0
            (py + plane * outPixels).initialize(repeating: value, count: outPixels)
        }
        context.withScratch(floats: rows * pixels) { columns in
            for image in 0..<batch {
                for g in 0..<group {
                    let weights = pw + g * inPerGroup * rows
                    SGEMM.product(
                        m: rows, n: pixels, k: inPerGroup,
                        a: .matrix(weights, rowStride: 1, columnStride: rows),
                        b: .matrix(px + (image * channels + g * inPerGroup) * pixels, rowStride: pixels, columnStride: 1),
                        c: columns, ldc: pixels, context: context)
                    let target = py + (image * outChannels + g * outPerGroup) * outPixels
                    context.parallelFor(outPerGroup) { range in
                        for channel in range {
                            let out = target + channel * outPixels
                            for tap in 0..<taps {
                                let (ky, kx) = (tap / k2[1], tap % k2[1])
                                let source = columns + (channel * taps + tap) * pixels
                                for iy in 0..<inHW[0] {
                                    let oy = iy * s2[0] - p2[0] + ky * d2[0]
                                    guard oy >= 0, oy < outHW[0] else { continue }
                                    for ix in 0..<inHW[1] {
                                        let ox = ix * s2[1] - p2[1] + kx * d2[1]
                                        guard ox >= 0, ox < outHW[1] else { continue }
                                        out[oy * outHW[1] + ox] += source[iy * inHW[1] + ix]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return [y]
    }
}
