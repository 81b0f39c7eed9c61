/// Expand and Tile: both write a broadcast of their input, so both are one `BroadcastPlan` of
/// a single input (Tile interleaves a repeat axis before every input axis, which the plan
/// collapses). Each run is one memory copy or one fill.

/// Writes `input` broadcast by `plan` (whose input 0 is `input`) into `output`.
private func broadcastCopy(_ input: Tensor, plan: BroadcastPlan, into output: Tensor, node: String, opType: String, context: KernelContext)
    throws(EngineError)
{
    struct Copy: RawTypeVisitor {
        let input: Tensor, plan: BroadcastPlan, output: Tensor, context: KernelContext
        func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
            let (input, output) = (input, output)
            let step = plan.innerStride(0)
            plan.parallelRuns(context, minChunk: cheapElementwiseChunk) { position, offsets, length in
                let source = input.pointer(T.self) + offsets[0]
                let target = output.pointer(T.self) + position
                if step == 1 {
                    target.update(from: source, count: length)
                } else {
                    target.update(repeating: source.pointee, count: length)
                }
            }
        }
    }
    guard try input.dataType.visitRaw(Copy(input: input, plan: plan, output: output, context: context)) != nil else {
        throw unsupportedType(node, opType, input.dataType)
    }
}

/// Expand (opset 8+): broadcasts the input against `shape` in both directions (a 1 in `shape`
/// keeps the input's dim), as numpy's `input * ones(shape)` would.
struct ExpandKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let requested = try inputs.required(1, node).integerValues(node, "shape")
        guard requested.allSatisfy({ $0 >= 0 }) else {
            throw .invalidInput(node: node, message: "shape \(requested) has a negative dim")
        }
        let plan = try BroadcastPlan([input.shape, requested], node: node)
        let output = context.allocate(input.dataType, try checkedOutputShape(plan.outputShape, input.dataType, node: node))
        try broadcastCopy(input, plan: plan, into: output, node: node, opType: "Expand", context: context)
        return [output]
    }
}

/// Tile (opset 6+): repeats the input `repeats[d]` times along each axis.
struct TileKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let repeats = try inputs.required(1, node).integerValues(node, "repeats")
        guard repeats.count == input.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw .invalidInput(node: node, message: "repeats \(repeats) must be \(input.rank) non-negative counts")
        }
        var outputShape: [Int] = []
        for (dim, count) in zip(input.shape, repeats) {
            let (size, overflow) = dim.multipliedReportingOverflow(by: count)
            guard !overflow else { throw .invalidInput(node: node, message: "repeats \(repeats) make the output too large") }
            outputShape.append(size)
        }
        let output = context.allocate(input.dataType, try checkedOutputShape(outputShape, input.dataType, node: node))
        let interleavedInput = input.shape.flatMap { [1, $0] }
        let interleavedOutput = zip(repeats, input.shape).flatMap { [$0, $1] }
        let plan = try BroadcastPlan([interleavedInput, interleavedOutput], node: node)
        try broadcastCopy(input, plan: plan, into: output, node: node, opType: "Tile", context: context)
        return [output]
    }
}

let expandKernelFactories: [String: KernelFactory] = [
    "Expand": { node, _ in ExpandKernel(node: node.displayName) },
    "Tile": { node, _ in TileKernel(node: node.displayName) },
]
