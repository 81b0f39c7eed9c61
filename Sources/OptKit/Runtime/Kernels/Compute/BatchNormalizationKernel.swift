/// BatchNormalization in inference mode (opsets 9, 14, 15): y = (x - mean) / sqrt(var + eps)
/// * scale + B per channel (axis 1). Training mode, and the running-statistics outputs it
/// computes, are not supported. After a convolution with constant weights the executor folds
/// this op into the convolution instead of running it.
struct BatchNormalizationKernel: Kernel {
    let attributes: ComputeAttributes
    let epsilon: Float

    init(node: Node, opset: Int) throws(EngineError) {
        attributes = ComputeAttributes(node)
        epsilon = try attributes.float("epsilon", default: 1e-5)
        if try attributes.int("training_mode", default: 0) != 0 {
            throw attributes.unsupported("training_mode", "training mode (the engine runs inference only)")
        }
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw attributes.unsupported("outputs", "running or saved statistics outputs (training mode)")
        }
        if opset < 9, attributes.has("spatial"), try attributes.int("spatial", default: 1) == 0 {
            throw attributes.unsupported("spatial", "non-spatial batch normalization (opset \(opset))")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        guard inputs.count == 5, let x = inputs[0], let scale = inputs[1], let bias = inputs[2],
            let mean = inputs[3], let variance = inputs[4]
        else { throw attributes.input("BatchNormalization takes X, scale, B, input_mean and input_var") }
        guard [x, scale, bias, mean, variance].allSatisfy({ $0.dataType == .float }) else {
            throw attributes.input("BatchNormalization runs on float tensors")
        }
        guard x.rank >= 2 else { throw attributes.input("X must have rank 2 or more, got \(x.shape)") }
        let channels = x.shape[1]
        for (name, tensor) in [("scale", scale), ("B", bias), ("input_mean", mean), ("input_var", variance)] where tensor.count != channels {
            throw attributes.input("\(name) must hold \(channels) values (one per channel), got shape \(tensor.shape)")
        }
        let inner = x.shape.dropFirst(2).reduce(1, *)
        let planes = x.shape[0] * channels
        var factor = [Float](repeating: 0, count: channels)
        var offset = factor
        let (ps, pb, pm, pv) = (scale.pointer(Float.self), bias.pointer(Float.self), mean.pointer(Float.self), variance.pointer(Float.self))
        for c in 0..<channels {
            factor[c] = ps[c] / (pv[c] + epsilon).squareRoot()
            offset[c] = pb[c] - pm[c] * factor[c]
        }
        let y = context.allocate(.float, x.shape)
        let px = x.pointer(Float.self), py = y.pointer(Float.self)
        factor.withUnsafeBufferPointer { factor in
            offset.withUnsafeBufferPointer { offset in
                context.parallelFor(planes, minChunk: max(1, 16_384 / max(1, inner))) { range in
                    for plane in range {
                        let c = plane % channels
                        let (f, o) = (factor[c], offset[c])
                        let base = plane * inner
                        for i in base..<base + inner { py[i] = px[i] * f + o }
                    }
                }
            }
        }
        return [y]
    }
}
