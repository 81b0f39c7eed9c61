import CKernels

/// LayerNormalization (opset 17): normalizes over the axes from `axis` to the last, then
/// scales and shifts. Scale and B hold one value per normalized element (or one value). The
/// optional Mean and InvStdDev outputs have X's leading dims and 1 for the normalized ones.
struct LayerNormalizationKernel: EpilogueFusable, QuantizedCopying {
    let attributes: ComputeAttributes
    let axis: Int
    let epsilon: Float
    /// Whether the node asks for the Mean or InvStdDev output.
    let wantsStatistics: Bool
    /// A QuantizeLinear folded in (`FusedEpilogue.quantize`): each normalized row is rounded
    /// to 8 bits as QuantizeLinear would round the float output, so a pre-norm quantized
    /// transformer's LayerNormalization -> QuantizeLinear is one step. (In a post-norm block
    /// the residual Add also reads the float value, and both steps stay.)
    private(set) var quantized: (type: QuantizedType, scale: Float, zero: Int32)?
    /// The same rounding written as a second output next to the float one
    /// (`QuantizedCopying`): a post-norm block's residual Add reads the float value.
    private(set) var quantizedCopy: (type: QuantizedType, scale: Float, zero: Int32)?

    init(node: Node) throws(EngineError) {
        attributes = ComputeAttributes(node)
        wantsStatistics = node.outputs.dropFirst().contains { !$0.isEmpty }
        axis = try attributes.int("axis", default: -1)
        epsilon = try attributes.float("epsilon", default: 1e-5)
        let stash = try attributes.int("stash_type", default: 1)
        guard stash == 1 else {
            throw attributes.unsupported("stash_type", "\(stash) (the engine computes the statistics in float)")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0], let scale = inputs[1] else {
            throw attributes.input("LayerNormalization takes X and Scale")
        }
        let bias = inputs.count >= 3 ? inputs[2] : nil
        guard x.dataType == .float, scale.dataType == .float, bias?.dataType ?? .float == .float else {
            throw attributes.input("LayerNormalization runs on float tensors")
        }
        let first = axis < 0 ? axis + x.rank : axis
        guard first >= 0, first < x.rank else {
            throw attributes.invalid("axis", "\(axis) is out of range for X of rank \(x.rank)")
        }
        let rows = x.shape[..<first].reduce(1, *)
        let width = x.shape[first...].reduce(1, *)
        for (name, tensor) in [("Scale", scale), ("B", bias)] {
            guard let tensor else { continue }
            guard tensor.count == width || tensor.count == 1, tensor.rank <= x.rank - first || tensor.count == 1 else {
                throw attributes.unsupported(name, "shape \(tensor.shape) that is not one value per normalized element \(Array(x.shape[first...]))")
            }
        }
        if let quantized { return [runQuantized(x, rows: rows, width: width, quantized, scale: scale, bias: bias, context)] }
        let y = context.allocate(.float, x.shape)
        let statsShape = Array(x.shape[..<first]) + [Int](repeating: 1, count: x.rank - first)
        let statistics = wantsStatistics ? (context.allocate(.float, statsShape), context.allocate(.float, statsShape)) : nil
        let px = x.pointer(Float.self), py = y.pointer(Float.self)
        let ps = scale.pointer(Float.self), scaleStride = scale.count == 1 ? 0 : 1
        let pb = bias?.pointer(Float.self), biasStride = bias?.count == 1 ? 0 : 1
        let pm = statistics?.0.pointer(Float.self), pi = statistics?.1.pointer(Float.self)
        let epsilon = self.epsilon
        context.parallelFor(rows, minChunk: max(1, 8192 / max(1, width))) { range in
            for row in range {
                let (mu, inv) = LayerNormalizationKernel.normalize(
                    px + row * width, into: py + row * width, width, epsilon: epsilon, scale: ps, scaleStride: scaleStride,
                    bias: pb, biasStride: biasStride)
                pm?[row] = mu
                pi?[row] = inv
            }
        }
        if let quantizedCopy {
            let copy = context.allocate(quantizedCopy.type.dataType, x.shape)
            let range = quantizedCopy.type.range
            ck_quantize(py, rows * width, quantizedCopy.scale, quantizedCopy.zero, range.lowerBound, range.upperBound, 1,
                        copy.storage.bytes)
            return [y, copy]
        }
        guard let statistics else { return [y] }
        return [y, statistics.0, statistics.1]
    }

    func fusing(_ epilogue: FusedEpilogue) -> (any Kernel)? {
        guard case .quantize(let type, let scale, let zero) = epilogue, !wantsStatistics, quantized == nil,
            quantizedCopy == nil
        else { return nil }
        var copy = self
        copy.quantized = (type, scale, zero)
        return copy
    }

    func addingQuantizedCopy(_ type: QuantizedType, scale: Float, zero: Int32) -> (any Kernel)? {
        guard !wantsStatistics, quantized == nil, quantizedCopy == nil else { return nil }
        var copy = self
        copy.quantizedCopy = (type, scale, zero)
        return copy
    }

    /// Each row normalized into a float row of scratch (one per chunk), then quantized.
    private func runQuantized(
        _ x: Tensor, rows: Int, width: Int, _ quantized: (type: QuantizedType, scale: Float, zero: Int32), scale: Tensor,
        bias: Tensor?, _ context: KernelContext
    ) -> Tensor {
        let y = context.allocate(quantized.type.dataType, x.shape)
        let px = x.pointer(Float.self), py = y.storage.bytes.assumingMemoryBound(to: UInt8.self)
        let ps = scale.pointer(Float.self), scaleStride = scale.count == 1 ? 0 : 1
        let pb = bias?.pointer(Float.self), biasStride = bias?.count == 1 ? 0 : 1
        let epsilon = self.epsilon, range = quantized.type.range
        context.withScratch(floats: width * context.threadCount) { scratch in
            context.parallelChunks(rows, minChunk: max(1, 8192 / max(1, width))) { chunk, chunkRows in
                let row = scratch + chunk * width
                for index in chunkRows {
                    LayerNormalizationKernel.normalize(
                        px + index * width, into: row, width, epsilon: epsilon, scale: ps, scaleStride: scaleStride, bias: pb,
                        biasStride: biasStride)
                    ck_quantize(row, width, quantized.scale, quantized.zero, range.lowerBound, range.upperBound, 1, py + index * width)
                }
            }
        }
        return y
    }

    /// One row normalized into `y` (scale and bias of stride 1, or 0 for a single value);
    /// returns its mean and inverse standard deviation.
    @discardableResult
    private static func normalize(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ width: Int, epsilon: Float,
        scale: UnsafePointer<Float>, scaleStride: Int, bias: UnsafePointer<Float>?, biasStride: Int
    ) -> (mean: Float, inverse: Float) {
        // SIMD reductions: a float sum taken in source order cannot be vectorized, and those
        // scalar loops made LayerNormalization 7.5% of the int8 transformer's time.
        let mu = FloatRow.sum(x, width) / Float(width)
        let inv = 1 / (FloatRow.squaredDeviations(x, width, from: mu) / Float(width) + epsilon).squareRoot()
        if scaleStride == 1, bias == nil || biasStride == 1 {
            normalizeRow(x, y, width, mean: mu, inverse: inv, scale: scale, bias: bias)
        } else if let bias {
            for i in 0..<width { y[i] = (x[i] - mu) * inv * scale[i * scaleStride] + bias[i * biasStride] }
        } else {
            for i in 0..<width { y[i] = (x[i] - mu) * inv * scale[i * scaleStride] }
        }
        return (mu, inv)
    }

    /// `y = (x - mean) * inverse * scale + bias` with one scale (and bias) value per element.
    @inline(__always)
    private static func normalizeRow(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ width: Int, mean: Float, inverse: Float,
        scale: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    ) {
        let source = UnsafeRawPointer(x), target = UnsafeMutableRawPointer(y)
        let gamma = UnsafeRawPointer(scale)
        let m = SIMD8<Float>(repeating: mean), s = SIMD8<Float>(repeating: inverse)
        var i = 0
        while i + 8 <= width {
            var v = (source.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m) * s
                * gamma.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            if let bias { v += UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) }
            target.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < width {
            y[i] = (x[i] - mean) * inverse * scale[i] + (bias?[i] ?? 0)
            i += 1
        }
    }
}
