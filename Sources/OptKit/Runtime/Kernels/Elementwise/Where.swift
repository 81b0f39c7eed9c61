/// Where (opset 9+; 16 added bfloat16): `condition ? x : y` with three-way numpy broadcasting.
/// `x` and `y` may be of any stored type, so the loop moves raw elements of their width.
struct WhereKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let condition = try inputs.required(0, node)
        let x = try inputs.required(1, node)
        let y = try inputs.required(2, node)
        guard condition.dataType == .bool else {
            throw .invalidInput(node: node, message: "Where condition must be bool, got \(condition.dataType)")
        }
        try requireSameType([x, y], node: node, opType: "Where")
        let plan = try BroadcastPlan([condition.shape, x.shape, y.shape], node: node)
        let output = context.allocate(x.dataType, plan.outputShape)
        let select = Selection(condition: condition, x: x, y: y, plan: plan, output: output, context: context)
        guard try x.dataType.visitRaw(select) != nil else { throw unsupportedType(node, "Where", x.dataType) }
        return [output]
    }
}

private struct Selection: RawTypeVisitor {
    let condition: Tensor, x: Tensor, y: Tensor, plan: BroadcastPlan, output: Tensor, context: KernelContext

    func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
        let (condition, x, y, output) = (condition, x, y, output)
        let (sc, sx, sy) = (plan.innerStride(0), plan.innerStride(1), plan.innerStride(2))
        plan.parallelRuns(context, minChunk: cheapElementwiseChunk) { position, offsets, length in
            let c = UnsafePointer(condition.pointer(UInt8.self) + offsets[0])
            let a = UnsafePointer(x.pointer(T.self) + offsets[1])
            let b = UnsafePointer(y.pointer(T.self) + offsets[2])
            let o = output.pointer(T.self) + position
            if sc == 1 && sx == 1 && sy == 1 {
                for i in 0..<length { o[i] = c[i] != 0 ? a[i] : b[i] }
            } else {
                for i in 0..<length { o[i] = c[i * sc] != 0 ? a[i * sx] : b[i * sy] }
            }
        }
    }
}

let whereKernelFactories: [String: KernelFactory] = [
    "Where": { node, _ in WhereKernel(node: node.displayName) }
]
