/// Concat and Split: joining and cutting along one axis. Both reduce to copying contiguous
/// blocks: for every index before the axis, each piece owns one run of
/// `size along axis * elements after the axis` elements.

/// Concat (opset 4+; negative axis from 11). Inputs share type and every dim but `axis`.
struct ConcatKernel: Kernel {
    let node: String
    let axis: Int

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let pieces = inputs.compactMap { $0 }
        guard let first = pieces.first else {
            throw .invalidInput(node: node, message: "Concat needs at least one input")
        }
        try requireSameType(pieces, node: node, opType: "Concat")
        guard let elementSize = first.dataType.byteSize else { throw unsupportedType(node, "Concat", first.dataType) }
        guard first.rank > 0 else {
            throw .invalidInput(node: node, message: "Concat inputs must have rank 1 or more")
        }
        let axis = try normalizedAxis(self.axis, rank: first.rank, node: node)
        var outputShape = first.shape
        outputShape[axis] = 0
        for piece in pieces {
            guard piece.rank == first.rank,
                zip(piece.shape, first.shape).enumerated().allSatisfy({ $0.offset == axis || $0.element.0 == $0.element.1 })
            else {
                throw .invalidInput(node: node, message: "Concat inputs of shapes \(first.shape) and \(piece.shape) differ off axis \(axis)")
            }
            outputShape[axis] += piece.shape[axis]
        }
        let output = context.allocate(first.dataType, outputShape)
        let outer = elementCount(outputShape[..<axis])
        let innerBytes = elementCount(outputShape[(axis + 1)...]) * elementSize
        let blockBytes = pieces.map { $0.shape[axis] * innerBytes }
        let rowBytes = outputShape[axis] * innerBytes
        context.parallelFor(outer, minChunk: max(1, (cheapElementwiseChunk * 4) / max(rowBytes, 1))) { range in
            for row in range {
                var target = output.storage.bytes + row * rowBytes
                for (piece, bytes) in zip(pieces, blockBytes) {
                    target.copyMemory(from: piece.storage.bytes + row * bytes, byteCount: bytes)
                    target += bytes
                }
            }
        }
        return [output]
    }
}

/// Split. Sizes come from the `split` attribute before opset 13, the optional `split` input
/// from 13, or `num_outputs` from 18; without any, the axis is cut into as many parts as the
/// node has outputs, of ceil(size / parts) each with the remainder last (ONNX's reference).
struct SplitKernel: Kernel {
    let node: String
    let axis: Int
    let outputCount: Int
    let attributeSplit: [Int]?
    let splitFromInput: Bool
    let numOutputs: Int?

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        axis = try node.intAttribute("axis", default: 0)
        outputCount = node.outputs.count
        splitFromInput = opset >= 13
        attributeSplit = splitFromInput ? nil : try node.intsAttribute("split")
        if opset >= 18, let count = try node.intAttribute("num_outputs") {
            guard count >= 1 else {
                throw .invalidAttribute(node: self.node, attribute: "num_outputs", message: "must be at least 1, got \(count)")
            }
            guard count == outputCount else {
                throw .invalidAttribute(
                    node: self.node, attribute: "num_outputs", message: "is \(count) but the node has \(outputCount) outputs")
            }
            numOutputs = count
        } else {
            numOutputs = nil
        }
        guard outputCount >= 1 else {
            throw .invalidAttribute(node: self.node, attribute: "outputs", message: "Split needs at least one output")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        guard let elementSize = input.dataType.byteSize else { throw unsupportedType(node, "Split", input.dataType) }
        let axis = try normalizedAxis(self.axis, rank: input.rank, node: node)
        let length = input.shape[axis]
        let requested = splitFromInput ? try inputs.optional(1)?.integerValues(node, "split") : attributeSplit
        let sizes: [Int]
        if let requested {
            guard requested.count == outputCount, requested.allSatisfy({ $0 >= 0 }), requested.reduce(0, +) == length else {
                throw .invalidInput(node: node, message: "split \(requested) does not cut \(length) into \(outputCount) parts")
            }
            sizes = requested
        } else {
            let parts = numOutputs ?? outputCount
            let chunk = length % parts == 0 ? length / parts : length / parts + 1
            let lastSize = length - chunk * (parts - 1)
            guard lastSize >= 0 else {
                throw .invalidInput(node: node, message: "cannot split \(length) elements into \(parts) parts")
            }
            sizes = [Int](repeating: chunk, count: parts - 1) + [lastSize]
        }
        let outer = elementCount(input.shape[..<axis])
        let innerBytes = elementCount(input.shape[(axis + 1)...]) * elementSize
        let rowBytes = length * innerBytes
        var outputs: [Tensor] = []
        var start = 0
        for size in sizes {
            var shape = input.shape
            shape[axis] = size
            let output = context.allocate(input.dataType, shape)
            let blockBytes = size * innerBytes
            let offset = start * innerBytes
            context.parallelFor(outer, minChunk: max(1, (cheapElementwiseChunk * 4) / max(blockBytes, 1))) { range in
                for row in range {
                    (output.storage.bytes + row * blockBytes).copyMemory(
                        from: input.storage.bytes + row * rowBytes + offset, byteCount: blockBytes)
                }
            }
            outputs.append(output)
            start += size
        }
        return outputs
    }
}

let concatKernelFactories: [String: KernelFactory] = [
    "Concat": { node, _ throws(EngineError) in
        guard let axis = try node.intAttribute("axis") else {
            throw .invalidAttribute(node: node.displayName, attribute: "axis", message: "is required")
        }
        return ConcatKernel(node: node.displayName, axis: axis)
    },
    "Split": { node, opset throws(EngineError) in try SplitKernel(node, opset: opset) },
]
