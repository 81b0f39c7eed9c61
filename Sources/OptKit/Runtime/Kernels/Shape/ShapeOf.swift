/// Shape: the input's dims as a 1-D int64 tensor; from opset 15 only dims `start ..< end`,
/// with negative values counting from the end and both clamped to [0, rank].
struct ShapeKernel: Kernel {
    let node: String
    let start: Int
    let end: Int?

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let rank = input.rank
        func clamp(_ value: Int) -> Int { Swift.min(Swift.max(value < 0 ? value + rank : value, 0), rank) }
        let first = clamp(start)
        let last = clamp(end ?? rank)
        let dims = first < last ? input.shape[first..<last].map { Int64($0) } : []
        let output = context.allocate(.int64, [dims.count])
        for (index, dim) in dims.enumerated() { output.pointer(Int64.self)[index] = dim }
        return [output]
    }
}

let shapeKernelFactories: [String: KernelFactory] = [
    "Shape": { node, opset throws(EngineError) in
        opset >= 15
            ? ShapeKernel(node: node.displayName, start: try node.intAttribute("start", default: 0), end: try node.intAttribute("end"))
            : ShapeKernel(node: node.displayName, start: 0, end: nil)
    }
]
