/// Add, Sub, Mul, Div and Pow with multidirectional broadcasting, on every numeric element type
/// (`NumericElement`): float, double, float16 and the signed and unsigned integers.

/// One binary arithmetic operation, generic over the element type so that one kernel type
/// serves every data type.
protocol ArithmeticOperator: Sendable {
    static var opType: String { get }
    static func apply<T: NumericElement>(_ a: T, _ b: T) -> T
}

enum AddOperator: ArithmeticOperator {
    static var opType: String { "Add" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.add(a, b) }
}

enum SubOperator: ArithmeticOperator {
    static var opType: String { "Sub" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.subtract(a, b) }
}

enum MulOperator: ArithmeticOperator {
    static var opType: String { "Mul" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.multiply(a, b) }
}

enum DivOperator: ArithmeticOperator {
    static var opType: String { "Div" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.divide(a, b) }
}

enum PowOperator: ArithmeticOperator {
    static var opType: String { "Pow" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.power(a, b) }
}

enum MinOperator: ArithmeticOperator {
    static var opType: String { "Min" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.minimum(a, b) }
}

enum MaxOperator: ArithmeticOperator {
    static var opType: String { "Max" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { T.maximum(a, b) }
}

/// `Op` on elements of type `T`, as a loop function.
struct Arithmetic<Op: ArithmeticOperator, T: NumericElement>: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { Op.apply(a, b) }
}

/// `x * x`, Pow's loop when the exponent is the scalar 2 (as in a decomposed LayerNorm).
struct Square<T: NumericElement>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: T) -> T { T.multiply(x, x) }
}

/// Broadcasts `a` and `b` and applies `Op` in their common element type.
func broadcastArithmetic<Op: ArithmeticOperator>(
    _: Op.Type, _ a: Tensor, _ b: Tensor, node: String, context: KernelContext
) throws(EngineError) -> Tensor {
    try requireSameType([a, b], node: node, opType: Op.opType)
    guard let result = try a.dataType.visitNumeric(ArithmeticVisitor<Op>(a: a, b: b, node: node, context: context)) else {
        throw unsupportedType(node, Op.opType, a.dataType)
    }
    return result
}

private struct ArithmeticVisitor<Op: ArithmeticOperator>: NumericTypeVisitor {
    let a: Tensor, b: Tensor, node: String, context: KernelContext
    func visit<T: NumericElement>(_: T.Type) throws(EngineError) -> Tensor {
        try broadcastBinary(Arithmetic<Op, T>(), a, b, outputType: T.dataType, node: node, context: context)
    }
}

/// Add, Sub, Mul, Div: two inputs of one numeric type, numpy broadcasting (opsets 7 to 14 share
/// these semantics; 14 only added types).
struct ArithmeticKernel<Op: ArithmeticOperator>: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let a = try inputs.required(0, node)
        let b = try inputs.required(1, node)
        return [try broadcastArithmetic(Op.self, a, b, node: node, context: context)]
    }
}

/// Pow. The exponent may have another type than the base (opset 12+): a floating base takes
/// the exponent converted to its type; an integer base with a floating exponent is computed in
/// double and truncated back, as numpy's `power(...).astype(base type)` does.
struct PowKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let base = try inputs.required(0, node)
        var exponent = try inputs.required(1, node)
        guard base.dataType.isNumericElement else {
            throw unsupportedType(node, "Pow", base.dataType)
        }
        guard exponent.dataType.isNumericElement else {
            throw unsupportedType(node, "Pow", exponent.dataType)
        }
        if base.dataType.isInteger && !exponent.dataType.isInteger {
            let wide = try castTensor(base, to: .double, node: node, context: context)
            let wideExponent = try castTensor(exponent, to: .double, node: node, context: context)
            let result = try broadcastArithmetic(PowOperator.self, wide, wideExponent, node: node, context: context)
            return [try castTensor(result, to: base.dataType, node: node, context: context)]
        }
        if exponent.dataType != base.dataType {
            exponent = try castTensor(exponent, to: base.dataType, node: node, context: context)
        }
        if base.dataType == .float, exponent.count == 1, exponent.pointer(Float.self)[0] == 2,
            base.rank >= exponent.rank
        {
            return [mapElements(Square<Float>(), base, outputType: .float, context: context)]
        }
        return [try broadcastArithmetic(PowOperator.self, base, exponent, node: node, context: context)]
    }
}

/// Min, Max and Sum: one or more inputs of one numeric type, broadcast together (opset 8+).
/// Folds pairwise; with one input the result is a copy of it.
struct VariadicKernel<Op: ArithmeticOperator>: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let present = inputs.compactMap { $0 }
        guard var result = present.first else {
            throw .invalidInput(node: node, message: "\(Op.opType) needs at least one input")
        }
        try requireSameType(present, node: node, opType: Op.opType)
        if present.count == 1 {
            guard result.dataType.isNumericElement else {
                throw unsupportedType(node, Op.opType, result.dataType)
            }
            return [copyTensor(result, context: context)]
        }
        for next in present.dropFirst() {
            result = try broadcastArithmetic(Op.self, result, next, node: node, context: context)
        }
        return [result]
    }
}

/// A fresh copy of `tensor` in storage from the context.
func copyTensor(_ tensor: Tensor, context: KernelContext) -> Tensor {
    let output = context.allocate(tensor.dataType, tensor.shape)
    output.storage.bytes.copyMemory(from: tensor.storage.bytes, byteCount: tensor.byteCount)
    return output
}

/// Add, Sub, Mul, Div, Pow, Min, Max and Sum.
let arithmeticKernelFactories: [String: KernelFactory] = [
    "Add": { node, _ in ArithmeticKernel<AddOperator>(node: node.displayName) },
    "Sub": { node, _ in ArithmeticKernel<SubOperator>(node: node.displayName) },
    "Mul": { node, _ in ArithmeticKernel<MulOperator>(node: node.displayName) },
    "Div": { node, _ in ArithmeticKernel<DivOperator>(node: node.displayName) },
    "Pow": { node, _ in PowKernel(node: node.displayName) },
    "Min": { node, _ in VariadicKernel<MinOperator>(node: node.displayName) },
    "Max": { node, _ in VariadicKernel<MaxOperator>(node: node.displayName) },
    "Sum": { node, _ in VariadicKernel<AddOperator>(node: node.displayName) },
]
