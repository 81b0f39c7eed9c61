/// Range (opset 11+): `start + i * delta` for i in 0 ..< max(ceil((limit - start) / delta), 0),
/// on float, double, int16, int32 or int64 scalars of one type.
struct RangeKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let start = try inputs.required(0, node)
        let limit = try inputs.required(1, node)
        let delta = try inputs.required(2, node)
        try requireSameType([start, limit, delta], node: node, opType: "Range")
        for scalar in [start, limit, delta] where scalar.count != 1 {
            throw .invalidInput(node: node, message: "Range inputs must be scalars, got shape \(scalar.shape)")
        }
        switch start.dataType {
        case .float: return [try floating(Float.self, start, limit, delta, context)]
        case .double: return [try floating(Double.self, start, limit, delta, context)]
        case .int16: return [try integer(Int16.self, start, limit, delta, context)]
        case .int32: return [try integer(Int32.self, start, limit, delta, context)]
        case .int64: return [try integer(Int64.self, start, limit, delta, context)]
        default: throw unsupportedType(node, "Range", start.dataType)
        }
    }

    private func floating<T: BinaryFloatingPoint & TensorElement>(
        _: T.Type, _ start: Tensor, _ limit: Tensor, _ delta: Tensor, _ context: KernelContext
    ) throws(EngineError) -> Tensor {
        let (first, end, step) = (start.pointer(T.self)[0], limit.pointer(T.self)[0], delta.pointer(T.self)[0])
        guard step != 0 else { throw .invalidInput(node: node, message: "Range delta must not be 0") }
        let exact = ((Double(end) - Double(first)) / Double(step)).rounded(.up)
        guard exact.isFinite || exact < 0 else {
            throw .invalidInput(node: node, message: "Range from \(first) to \(end) by \(step) has no finite length")
        }
        let count = exact > 0 ? Int(exactly: exact) ?? Int.max : 0
        let output = context.allocate(T.dataType, try checkedOutputShape([count], T.dataType, node: node))
        let values = output.pointer(T.self)
        for i in 0..<count { values[i] = first + T(i) * step }
        return output
    }

    private func integer<T: FixedWidthInteger & TensorElement>(
        _: T.Type, _ start: Tensor, _ limit: Tensor, _ delta: Tensor, _ context: KernelContext
    ) throws(EngineError) -> Tensor {
        let (first, end, step) = (Int(start.pointer(T.self)[0]), Int(limit.pointer(T.self)[0]), Int(delta.pointer(T.self)[0]))
        guard step != 0 else { throw .invalidInput(node: node, message: "Range delta must not be 0") }
        // The distance between int64 bounds can overflow; such a range is far too long anyway.
        let distance = end.subtractingReportingOverflow(first)
        guard !distance.overflow else {
            throw .invalidInput(node: node, message: "Range from \(first) to \(end) is too long")
        }
        let span = distance.partialValue
        let count = (span > 0) == (step > 0) && span != 0 ? (span.magnitude + step.magnitude - 1) / step.magnitude : 0
        let length = Int(exactly: count) ?? Int.max
        let output = context.allocate(T.dataType, try checkedOutputShape([length], T.dataType, node: node))
        let values = output.pointer(T.self)
        for i in 0..<length { values[i] = T(truncatingIfNeeded: first &+ i &* step) }
        return output
    }
}

let rangeKernelFactories: [String: KernelFactory] = [
    "Range": { node, _ in RangeKernel(node: node.displayName) }
]
