/// Clip: `min(max(x, low), high)` element-wise; when `low > high` every element becomes `high`
/// (numpy's `clip`, which the spec follows). NaN stays NaN.
///
/// Opset 6 to 10 take `min`/`max` attributes (floats only, defaulting to the float range);
/// opset 11 and later take optional scalar inputs of the input's type (any numeric type from 12).
struct ClipKernel: Kernel {
    let node: String
    /// Attribute bounds of the opset 6 form, as one-element float tensors; nil from opset 11.
    let attributeBounds: (low: Tensor, high: Tensor)?

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        if opset < 11 {
            let low = try node.floatAttribute("min", default: -Float.greatestFiniteMagnitude)
            let high = try node.floatAttribute("max", default: Float.greatestFiniteMagnitude)
            attributeBounds = (Tensor([low], shape: []), Tensor([high], shape: []))
        } else {
            attributeBounds = nil
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        var low = attributeBounds?.low ?? inputs.optional(1)
        var high = attributeBounds?.high ?? inputs.optional(2)
        for bound in [low, high] {
            guard let bound else { continue }
            guard bound.count == 1 else {
                throw .invalidInput(node: node, message: "Clip bounds must be scalars, got shape \(bound.shape)")
            }
        }
        if attributeBounds != nil {
            low = try low.map { (t: Tensor) throws(EngineError) in try castTensor(t, to: input.dataType, node: node, context: context) }
            high = try high.map { (t: Tensor) throws(EngineError) in try castTensor(t, to: input.dataType, node: node, context: context) }
        }
        try requireSameType([input] + [low, high].compactMap { $0 }, node: node, opType: "Clip")
        guard let output = try input.dataType.visitNumeric(Visitor(input: input, low: low, high: high, context: context)) else {
            throw unsupportedType(node, "Clip", input.dataType)
        }
        return [output]
    }

    private struct Visitor: NumericTypeVisitor {
        let input: Tensor, low: Tensor?, high: Tensor?, context: KernelContext
        func visit<T: NumericElement>(_: T.Type) -> Tensor {
            let function = ClipFunction<T>(
                low: low.map { $0.pointer(T.self)[0] } ?? T.lowest, high: high.map { $0.pointer(T.self)[0] } ?? T.highest)
            return mapElements(function, input, outputType: T.dataType, context: context)
        }
    }
}

private struct ClipFunction<T: NumericElement>: UnaryElementFunction {
    let low: T
    let high: T
    @inline(__always) func callAsFunction(_ x: T) -> T {
        let raised = T.isLess(x, low) ? low : x
        return T.isLess(high, raised) ? high : raised
    }
}

let clipKernelFactories: [String: KernelFactory] = [
    "Clip": { node, opset throws(EngineError) in try ClipKernel(node, opset: opset) }
]
