/// MaxPool (opsets 8, 10, 11, 12, 22) and AveragePool (opsets 10, 11, 19, 22) over 1 to 3
/// spatial axes: pads or auto_pad, strides, dilations, ceil_mode; AveragePool's
/// count_include_pad; MaxPool's optional Indices output (flat indices into X, row- or
/// column-major per storage_order).
struct PoolKernel: Kernel {
    enum Kind { case max, average }

    let attributes: ComputeAttributes
    let kind: Kind
    let spatial: SpatialAttributes
    let kernelShape: [Int]
    let ceilMode: Bool
    let countIncludePad: Bool
    let columnMajorIndices: Bool
    let wantsIndices: Bool

    init(node: Node, kind: Kind, opset: Int) throws(EngineError) {
        attributes = ComputeAttributes(node)
        self.kind = kind
        spatial = try SpatialAttributes(attributes)
        guard let kernelShape = spatial.kernelShape, !kernelShape.isEmpty else {
            throw attributes.invalid("kernel_shape", "is required")
        }
        guard kernelShape.count <= 3 else {
            throw attributes.unsupported("kernel_shape", "\(kernelShape.count)-D pooling (the engine pools 1-D to 3-D)")
        }
        self.kernelShape = kernelShape
        ceilMode = try attributes.int("ceil_mode", default: 0) != 0
        countIncludePad = try attributes.int("count_include_pad", default: 0) != 0
        columnMajorIndices = try attributes.int("storage_order", default: 0) != 0
        wantsIndices = node.outputs.count > 1 && !node.outputs[1].isEmpty
        if kind == .average, opset < 19, spatial.dilations?.contains(where: { $0 != 1 }) == true {
            throw attributes.invalid("dilations", "AveragePool takes dilations from opset 19 on (model imports \(opset))")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw attributes.input("pooling takes input X") }
        guard x.dataType == .float else { throw attributes.input("pooling runs on float tensors, got \(x.dataType)") }
        guard x.rank == kernelShape.count + 2 else {
            throw attributes.input("X of shape \(x.shape) does not have \(kernelShape.count) spatial axes")
        }
        let geometry = try spatial.resolve(input: Array(x.shape.dropFirst(2)), kernel: kernelShape, ceilMode: ceilMode, attributes)
        // Seen as 3-D: missing leading axes have size 1.
        let lead = 3 - kernelShape.count
        func pad3(_ values: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: lead) + values }
        let input = pad3(geometry.input, 1), output = pad3(geometry.output, 1)
        let kernel = pad3(geometry.kernel, 1), strides = pad3(geometry.strides, 1)
        let dilations = pad3(geometry.dilations, 1), begin = pad3(geometry.padBegin, 0), end = pad3(geometry.padEnd, 0)
        let y = context.allocate(.float, Array(x.shape.prefix(2)) + geometry.output)
        let indices = wantsIndices ? context.allocate(.int64, y.shape) : nil
        let planes = x.shape[0] * x.shape[1]
        let inPlane = input.reduce(1, *), outPlane = output.reduce(1, *)
        let px = x.pointer(Float.self), py = y.pointer(Float.self), pi = indices?.pointer(Int64.self)
        let (kind, countIncludePad, columnMajor) = (self.kind, self.countIncludePad, self.columnMajorIndices)
        context.parallelFor(planes, minChunk: max(1, 4096 / max(1, outPlane * kernel.reduce(1, *)))) { range in
            for plane in range {
                let xp = px + plane * inPlane
                var o = plane * outPlane
                for od in 0..<output[0] {
                    let d0 = od * strides[0] - begin[0]
                    for oh in 0..<output[1] {
                        let h0 = oh * strides[1] - begin[1]
                        for ow in 0..<output[2] {
                            let w0 = ow * strides[2] - begin[2]
                            var best = -Float.infinity, bestIndex = -1
                            var sum: Float = 0, count = 0, padded = 0
                            for kd in 0..<kernel[0] {
                                let d = d0 + kd * dilations[0]
                                if d >= input[0] + end[0] { break }
                                let dInside = d >= 0 && d < input[0]
                                for kh in 0..<kernel[1] {
                                    let h = h0 + kh * dilations[1]
                                    if h >= input[1] + end[1] { break }
                                    let hInside = h >= 0 && h < input[1]
                                    for kw in 0..<kernel[2] {
                                        let w = w0 + kw * dilations[2]
                                        if w >= input[2] + end[2] { break }
                                        padded += 1
                                        guard dInside, hInside, w >= 0, w < input[2] else { continue }
                                        let offset = (d * input[1] + h) * input[2] + w
                                        let value = xp[offset]
                                        count += 1
                                        sum += value
                                        if value > best || bestIndex < 0 && !value.isNaN {
                                            best = value
                                            bestIndex = offset
                                        }
                                    }
                                }
                            }
                            switch kind {
                            case .max:
                                py[o] = bestIndex >= 0 ? best : 0
                                if let pi {
                                    var index = bestIndex
                                    if columnMajor, bestIndex >= 0 {
                                        let w = bestIndex % input[2], h = bestIndex / input[2] % input[1], d = bestIndex / (input[1] * input[2])
                                        index = switch lead {
                                        case 2: w
                                        case 1: h + w * input[1]
                                        default: d + h * input[0] + w * input[0] * input[1]
                                        }
                                    }
                                    pi[o] = Int64(bestIndex >= 0 ? plane * inPlane + index : -1)
                                }
                            case .average:
                                let divisor = countIncludePad ? padded : count
                                py[o] = divisor > 0 ? sum / Float(divisor) : 0
                            }
                            o += 1
                        }
                    }
                }
            }
        }
        if let indices { return [y, indices] }
        return [y]
    }
}

/// GlobalAveragePool and GlobalMaxPool: one value per (image, channel) over all spatial axes.
struct GlobalPoolKernel: Kernel {
    let attributes: ComputeAttributes
    let isMax: Bool

    init(node: Node, isMax: Bool) {
        attributes = ComputeAttributes(node)
        self.isMax = isMax
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw attributes.input("global pooling takes input X") }
        guard x.dataType == .float else { throw attributes.input("global pooling runs on float tensors, got \(x.dataType)") }
        guard x.rank >= 2 else { throw attributes.input("X must have rank 2 or more, got \(x.shape)") }
        let planes = x.shape[0] * x.shape[1]
        let size = x.shape.dropFirst(2).reduce(1, *)
        let y = context.allocate(.float, Array(x.shape.prefix(2)) + [Int](repeating: 1, count: x.rank - 2))
        let px = x.pointer(Float.self), py = y.pointer(Float.self)
        let isMax = self.isMax
        context.parallelFor(planes, minChunk: max(1, 16_384 / max(1, size))) { range in
            for plane in range {
                let base = px + plane * size
                if isMax {
                    var best = -Float.infinity
                    for i in 0..<size where base[i] > best || base[i].isNaN { best = base[i] }
                    py[plane] = best
                } else {
                    var sum: Float = 0
                    for i in 0..<size { sum += base[i] }
                    py[plane] = sum / Float(size)
                }
            }
        }
        return [y]
    }
}
