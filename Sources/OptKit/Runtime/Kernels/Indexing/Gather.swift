/// Gather: picks slices of `data` along `axis` at int32/int64 `indices`; negative indices count
/// from the end (opset 11+). The output shape is `data.shape[..<axis] + indices.shape +
/// data.shape[(axis+1)...]`. An index out of range is an error naming the node, never a read
/// outside the tensor.
struct GatherKernel: Kernel {
    let node: String
    let axis: Int

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let data = try inputs.required(0, node)
        let indexTensor = try inputs.required(1, node)
        guard data.rank >= 1 else { throw .invalidInput(node: node, message: "Gather data must have rank 1 or more") }
        let axis = try normalizedAxis(self.axis, rank: data.rank, node: node)
        let dim = data.shape[axis]
        var indices = try indexTensor.integerValues(node, "indices")
        for (position, index) in indices.enumerated() {
            guard index >= -dim && index < dim else {
                throw .invalidInput(node: node, message: "index \(index) is out of range for axis \(axis) of size \(dim)")
            }
            if index < 0 { indices[position] = index + dim }
        }
        let outputShape = Array(data.shape[..<axis]) + indexTensor.shape + Array(data.shape[(axis + 1)...])
        let output = context.allocate(data.dataType, outputShape)
        let gather = Gathering(
            data: data, output: output, indices: indices, outer: elementCount(data.shape[..<axis]), dim: dim,
            inner: elementCount(data.shape[(axis + 1)...]), context: context)
        guard try data.dataType.visitRaw(gather) != nil else { throw unsupportedType(node, "Gather", data.dataType) }
        return [output]
    }
}

private struct Gathering: RawTypeVisitor {
    let data: Tensor, output: Tensor, indices: [Int], outer: Int, dim: Int, inner: Int, context: KernelContext

    func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
        let count = indices.count
        let (data, output, indices, dim, inner) = (data, output, indices, dim, inner)
        context.parallelFor(outer * count, minChunk: max(1, cheapElementwiseChunk / max(inner, 1))) { range in
            let source = data.pointer(T.self)
            let target = output.pointer(T.self)
            for item in range {
                let row = item / count
                let from = source + (row * dim + indices[item - row * count]) * inner
                let to = target + item * inner
                if inner == 1 {
                    to.pointee = from.pointee
                } else {
                    to.update(from: from, count: inner)
                }
            }
        }
    }
}

let gatherKernelFactories: [String: KernelFactory] = [
    "Gather": { node, _ throws(EngineError) in
        GatherKernel(node: node.displayName, axis: try node.intAttribute("axis", default: 0))
    }
]
