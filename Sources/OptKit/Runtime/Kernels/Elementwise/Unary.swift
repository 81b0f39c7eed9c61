import Foundation

/// Element-wise math on floating-point tensors (Sqrt, Exp, Log, Reciprocal, Erf, Tanh) and on
/// any numeric tensor (Neg, Abs), plus Not on bools. The activations with parameters live in
/// Activations.swift and share `FloatFunctionKernel`.

/// A function of one floating-point element. Float is the fast path (vectorized, see
/// `FastMath`); double uses libm; float16 is computed in float and rounded back.
protocol FloatFunction: Sendable {
    func callAsFunction(_ x: Float) -> Float
    func callAsFunction(_ x: Double) -> Double
}

/// Whether a function costs a polynomial or more per element (so small tensors already pay for
/// a second thread) or a single operation.
enum ElementCost {
    case cheap, costly

    var minChunk: Int { self == .cheap ? cheapElementwiseChunk : costlyElementwiseChunk }
}

private struct FloatLoop<F: FloatFunction>: UnaryElementFunction {
    let f: F
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}

private struct DoubleLoop<F: FloatFunction>: UnaryElementFunction {
    let f: F
    @inline(__always) func callAsFunction(_ x: Double) -> Double { f(x) }
}

private struct HalfLoop<F: FloatFunction>: UnaryElementFunction {
    let f: F
    @inline(__always) func callAsFunction(_ x: UInt16) -> UInt16 {
        HalfConversion.halfBits(f(HalfConversion.float(x)))
    }
}

/// Applies `function` to a float, double or float16 tensor.
func applyFloatFunction<F: FloatFunction>(
    _ function: F, _ input: Tensor, cost: ElementCost, node: String, opType: String, context: KernelContext
) throws(EngineError) -> Tensor {
    switch input.dataType {
    case .float: mapElements(FloatLoop(f: function), input, outputType: .float, context: context, minChunk: cost.minChunk)
    case .double: mapElements(DoubleLoop(f: function), input, outputType: .double, context: context, minChunk: cost.minChunk)
    case .float16: mapElements(HalfLoop(f: function), input, outputType: .float16, context: context, minChunk: cost.minChunk)
    default: throw unsupportedType(node, opType, input.dataType)
    }
}

/// A one-input, one-output op applying a `FloatFunction` whose parameters were read from the
/// node's attributes when the model was prepared.
struct FloatFunctionKernel<F: FloatFunction>: Kernel {
    let node: String
    let opType: String
    let function: F
    let cost: ElementCost

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        return [try applyFloatFunction(function, input, cost: cost, node: node, opType: opType, context: context)]
    }
}

struct SqrtFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
    func callAsFunction(_ x: Double) -> Double { x.squareRoot() }
}

struct ExpFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) }
    func callAsFunction(_ x: Double) -> Double { Foundation.exp(x) }
}

struct LogFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.log(x) }
    func callAsFunction(_ x: Double) -> Double { Foundation.log(x) }
}

struct ReciprocalFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x }
    func callAsFunction(_ x: Double) -> Double { 1 / x }
}

struct ErfFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.erf(x) }
    func callAsFunction(_ x: Double) -> Double { Foundation.erf(x) }
}

struct TanhFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.tanh(x) }
    func callAsFunction(_ x: Double) -> Double { Foundation.tanh(x) }
}

/// An operation on any numeric element type.
protocol NumericUnaryOperator: Sendable {
    static var opType: String { get }
    static func apply<T: NumericElement>(_ x: T) -> T
}

enum NegOperator: NumericUnaryOperator {
    static var opType: String { "Neg" }
    @inline(__always) static func apply<T: NumericElement>(_ x: T) -> T { T.negate(x) }
}

enum AbsOperator: NumericUnaryOperator {
    static var opType: String { "Abs" }
    @inline(__always) static func apply<T: NumericElement>(_ x: T) -> T { T.magnitude(x) }
}

/// Relu on every numeric type (opset 14 added the integers): `max(x, 0)`, NaN stays NaN.
enum ReluOperator: NumericUnaryOperator {
    static var opType: String { "Relu" }
    @inline(__always) static func apply<T: NumericElement>(_ x: T) -> T { T.maximum(x, T.zero) }
}

private struct NumericLoop<Op: NumericUnaryOperator, T: NumericElement>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: T) -> T { Op.apply(x) }
}

private struct NumericUnaryVisitor<Op: NumericUnaryOperator>: NumericTypeVisitor {
    let input: Tensor, context: KernelContext
    func visit<T: NumericElement>(_: T.Type) -> Tensor {
        mapElements(NumericLoop<Op, T>(), input, outputType: T.dataType, context: context)
    }
}

/// Neg, Abs and Relu on any numeric tensor.
struct NumericUnaryKernel<Op: NumericUnaryOperator>: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        guard let output = try input.dataType.visitNumeric(NumericUnaryVisitor<Op>(input: input, context: context)) else {
            throw unsupportedType(node, Op.opType, input.dataType)
        }
        return [output]
    }
}

private struct LogicalNot: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: UInt8) -> UInt8 { x == 0 ? 1 : 0 }
}

/// Not: logical negation of a bool tensor.
struct NotKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        guard input.dataType == .bool else { throw unsupportedType(node, "Not", input.dataType) }
        return [mapElements(LogicalNot(), input, outputType: .bool, context: context)]
    }
}

/// Sqrt, Exp, Log, Reciprocal, Erf, Tanh, Neg, Abs, Relu and Not: no attributes, the same
/// semantics in every opset from 6 to 21.
let unaryKernelFactories: [String: KernelFactory] = [
    "Sqrt": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Sqrt", function: SqrtFunction(), cost: .cheap) },
    "Exp": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Exp", function: ExpFunction(), cost: .costly) },
    "Log": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Log", function: LogFunction(), cost: .costly) },
    "Reciprocal": { node, _ in
        FloatFunctionKernel(node: node.displayName, opType: "Reciprocal", function: ReciprocalFunction(), cost: .cheap)
    },
    "Erf": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Erf", function: ErfFunction(), cost: .costly) },
    "Tanh": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Tanh", function: TanhFunction(), cost: .costly) },
    "Neg": { node, _ in NumericUnaryKernel<NegOperator>(node: node.displayName) },
    "Abs": { node, _ in NumericUnaryKernel<AbsOperator>(node: node.displayName) },
    "Relu": { node, _ in NumericUnaryKernel<ReluOperator>(node: node.displayName) },
    "Not": { node, _ in NotKernel(node: node.displayName) },
]
