/// Slice (opset 10+: starts, ends, axes and steps as inputs; opsets 1 to 9 read starts, ends
/// and axes attributes). Out-of-range starts and ends clamp as the spec says — to [0, dim] for
/// a positive step and to [-1, dim - 1] (start: [0, dim - 1]) for a negative one — so
/// INT64_MAX/INT64_MIN "to the end" markers work; steps may be negative. The result is a
/// strided view of the input copied out.
struct SliceKernel: Kernel {
    let node: String
    /// The attribute form (opset < 10): starts, ends, optional axes.
    let attributeForm: (starts: [Int], ends: [Int], axes: [Int]?)?

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        if opset < 10 {
            guard let starts = try node.intsAttribute("starts"), let ends = try node.intsAttribute("ends") else {
                throw .invalidAttribute(node: self.node, attribute: "starts", message: "starts and ends are required before opset 10")
            }
            attributeForm = (starts, ends, try node.intsAttribute("axes"))
        } else {
            attributeForm = nil
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let starts: [Int]
        let ends: [Int]
        let listedAxes: [Int]?
        let steps: [Int]?
        if let attributeForm {
            (starts, ends, listedAxes, steps) = (attributeForm.starts, attributeForm.ends, attributeForm.axes, nil)
        } else {
            starts = try inputs.required(1, node).integerValues(node, "starts")
            ends = try inputs.required(2, node).integerValues(node, "ends")
            listedAxes = try inputs.optional(3)?.integerValues(node, "axes")
            steps = try inputs.optional(4)?.integerValues(node, "steps")
        }
        let axes = try normalizedAxes(
            listedAxes ?? Array(0..<starts.count), rank: input.rank, node: node,
            source: attributeForm == nil ? .input("axes") : .attribute("axes"))
        guard ends.count == starts.count, axes.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
            throw .invalidInput(node: node, message: "starts, ends, axes and steps must have the same length")
        }
        var view = StridedView(shape: input.shape, strides: contiguousStrides(input.shape), offset: 0)
        for (index, axis) in axes.enumerated() {
            let dim = input.shape[axis]
            let (start, count, step) = try range(start: starts[index], end: ends[index], step: steps?[index] ?? 1, dim: dim)
            view.offset += start * view.strides[axis]
            view.strides[axis] *= step
            view.shape[axis] = count
        }
        let output = context.allocate(input.dataType, view.shape)
        try copyStrided(view, from: input, into: output, node: node, context: context)
        return [output]
    }

    /// First index, element count and step along one axis after the spec's clamping.
    private func range(start: Int, end: Int, step: Int, dim: Int) throws(EngineError) -> (Int, Int, Int) {
        guard step != 0 else { throw .invalidInput(node: node, message: "Slice steps must not be 0") }
        // A step beyond the dim takes at most one element; clamping it keeps the arithmetic
        // below free of overflow for steps like INT64_MIN.
        let step = Swift.max(Swift.min(step, dim + 1), -(dim + 1))
        var first = start < 0 ? start + dim : start
        var stop = end < 0 ? end + dim : end
        if step > 0 {
            first = Swift.min(Swift.max(first, 0), dim)
            stop = Swift.min(Swift.max(stop, 0), dim)
            let count = stop > first ? (stop - first + step - 1) / step : 0
            return (first, count, step)
        } else {
            first = Swift.min(Swift.max(first, 0), dim - 1)
            stop = Swift.min(Swift.max(stop, -1), dim - 1)
            let count = first > stop ? (first - stop - step - 1) / -step : 0
            return (count == 0 ? 0 : first, count, step)
        }
    }
}

let sliceKernelFactories: [String: KernelFactory] = [
    "Slice": { node, opset throws(EngineError) in try SliceKernel(node, opset: opset) }
]
