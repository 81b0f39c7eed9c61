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

/// The float functions, with their attribute parameters read when the model was prepared.
/// The kernel switches to a concrete function type (see `ArithmeticOperation` for why kernels
/// are not generic).
enum FloatOperation: Sendable {
    case sqrt, exp, log, reciprocal, erf, tanh
    case sigmoid, hardSwish, gelu, geluTanh
    case leakyRelu(alpha: Float)
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case hardSigmoid(alpha: Float, beta: Float)

    func apply(_ input: Tensor, node: String, opType: String, context: KernelContext) throws(EngineError) -> Tensor {
        func run<F: FloatFunction>(_ function: F, _ cost: ElementCost) throws(EngineError) -> Tensor {
            try applyFloatFunction(function, input, cost: cost, node: node, opType: opType, context: context)
        }
        return switch self {
        case .sqrt: try run(SqrtFunction(), .cheap)
        case .exp: try run(ExpFunction(), .costly)
        case .log: try run(LogFunction(), .costly)
        case .reciprocal: try run(ReciprocalFunction(), .cheap)
        case .erf: try run(ErfFunction(), .costly)
        case .tanh: try run(TanhFunction(), .costly)
        case .sigmoid: try run(SigmoidFunction(), .costly)
        case .hardSwish: try run(HardSwishFunction(), .cheap)
        case .gelu: try run(GeluFunction(), .costly)
        case .geluTanh: try run(GeluTanhFunction(), .costly)
        case .leakyRelu(let alpha): try run(LeakyReluFunction(alpha: alpha), .cheap)
        case .elu(let alpha): try run(EluFunction(alpha: alpha), .costly)
        case .selu(let alpha, let gamma): try run(SeluFunction(alpha: alpha, gamma: gamma), .costly)
        case .hardSigmoid(let alpha, let beta): try run(HardSigmoidFunction(alpha: alpha, beta: beta), .cheap)
        }
    }
}

/// A one-input, one-output op applying a float function.
struct FloatFunctionKernel: Kernel {
    let node: String
    let opType: String
    let operation: FloatOperation

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        [try operation.apply(try inputs.required(0, node), node: node, opType: opType, context: context)]
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
struct NumericUnaryKernel: Kernel {
    enum Operation: Sendable {
        case neg, abs, relu
    }

    let node: String
    let operation: Operation

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let type = input.dataType
        let output: Tensor? =
            switch operation {
            case .neg: try type.visitNumeric(NumericUnaryVisitor<NegOperator>(input: input, context: context))
            case .abs: try type.visitNumeric(NumericUnaryVisitor<AbsOperator>(input: input, context: context))
            case .relu: try type.visitNumeric(NumericUnaryVisitor<ReluOperator>(input: input, context: context))
            }
        guard let output else {
            let opType = switch operation {
                case .neg: NegOperator.opType
                case .abs: AbsOperator.opType
                case .relu: ReluOperator.opType
                }
            throw unsupportedType(node, opType, type)
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
    "Sqrt": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Sqrt", operation: .sqrt) },
    "Exp": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Exp", operation: .exp) },
    "Log": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Log", operation: .log) },
    "Reciprocal": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Reciprocal", operation: .reciprocal) },
    "Erf": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Erf", operation: .erf) },
    "Tanh": { node, _ in FloatFunctionKernel(node: node.displayName, opType: "Tanh", operation: .tanh) },
    "Neg": { node, _ in NumericUnaryKernel(node: node.displayName, operation: .neg) },
    "Abs": { node, _ in NumericUnaryKernel(node: node.displayName, operation: .abs) },
    "Relu": { node, _ in NumericUnaryKernel(node: node.displayName, operation: .relu) },
    "Not": { node, _ in NotKernel(node: node.displayName) },
]
