/// Equal, Less, Greater, LessOrEqual and GreaterOrEqual: numpy-broadcast comparisons of two
/// inputs of one numeric type (Equal also compares bools), giving a bool tensor. And, Or and
/// Xor combine bool tensors the same way.

protocol ComparisonOperator: Sendable {
    static var opType: String { get }
    static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool
}

enum EqualOperator: ComparisonOperator {
    static var opType: String { "Equal" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { T.isEqual(a, b) }
}

enum LessOperator: ComparisonOperator {
    static var opType: String { "Less" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { T.isLess(a, b) }
}

enum GreaterOperator: ComparisonOperator {
    static var opType: String { "Greater" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { T.isLess(b, a) }
}

enum LessOrEqualOperator: ComparisonOperator {
    static var opType: String { "LessOrEqual" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { T.isLess(a, b) || T.isEqual(a, b) }
}

enum GreaterOrEqualOperator: ComparisonOperator {
    static var opType: String { "GreaterOrEqual" }
    @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { T.isLess(b, a) || T.isEqual(a, b) }
}

/// `Op` on elements of type `T`, writing a bool byte.
private struct Comparison<Op: ComparisonOperator, T: NumericElement>: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { Op.apply(a, b) ? 1 : 0 }
}

/// Equal on bools: both bytes zero or both non-zero.
private struct BoolEquality: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0) == (b != 0) ? 1 : 0 }
}

private struct ComparisonVisitor<Op: ComparisonOperator>: NumericTypeVisitor {
    let a: Tensor, b: Tensor, node: String, context: KernelContext
    func visit<T: NumericElement>(_: T.Type) throws(EngineError) -> Tensor {
        try broadcastBinary(Comparison<Op, T>(), a, b, outputType: .bool, node: node, context: context)
    }
}

/// The comparison ops; the kernel switches to a concrete operator type (see
/// `ArithmeticOperation` for why kernels are not generic).
enum ComparisonOperation: Sendable {
    case equal, less, greater, lessOrEqual, greaterOrEqual

    var opType: String {
        switch self {
        case .equal: "Equal"
        case .less: "Less"
        case .greater: "Greater"
        case .lessOrEqual: "LessOrEqual"
        case .greaterOrEqual: "GreaterOrEqual"
        }
    }
}

/// `Op` on two inputs of one numeric type, or `nil` when the type is not numeric.
private func compare<Op: ComparisonOperator>(_: Op.Type, _ a: Tensor, _ b: Tensor, node: String, context: KernelContext)
    throws(EngineError) -> Tensor?
{
    try a.dataType.visitNumeric(ComparisonVisitor<Op>(a: a, b: b, node: node, context: context))
}

struct ComparisonKernel: Kernel {
    let node: String
    let operation: ComparisonOperation

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let a = try inputs.required(0, node)
        let b = try inputs.required(1, node)
        try requireSameType([a, b], node: node, opType: operation.opType)
        if a.dataType == .bool && operation == .equal {
            return [try broadcastBinary(BoolEquality(), a, b, outputType: .bool, node: node, context: context)]
        }
        let output: Tensor? =
            switch operation {
            case .equal: try compare(EqualOperator.self, a, b, node: node, context: context)
            case .less: try compare(LessOperator.self, a, b, node: node, context: context)
            case .greater: try compare(GreaterOperator.self, a, b, node: node, context: context)
            case .lessOrEqual: try compare(LessOrEqualOperator.self, a, b, node: node, context: context)
            case .greaterOrEqual: try compare(GreaterOrEqualOperator.self, a, b, node: node, context: context)
            }
        guard let output else { throw unsupportedType(node, operation.opType, a.dataType) }
        return [output]
    }
}

private struct LogicalAnd: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 { a != 0 && b != 0 ? 1 : 0 }
}

private struct LogicalOr: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 { a != 0 || b != 0 ? 1 : 0 }
}

private struct LogicalXor: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0) != (b != 0) ? 1 : 0 }
}

/// And, Or, Xor (opset 7+): two bool inputs, numpy broadcasting.
struct LogicalKernel: Kernel {
    enum Operation: String, Sendable {
        case and = "And", or = "Or", xor = "Xor"
    }

    let node: String
    let operation: Operation

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let a = try inputs.required(0, node)
        let b = try inputs.required(1, node)
        for input in [a, b] where input.dataType != .bool {
            throw unsupportedType(node, operation.rawValue, input.dataType)
        }
        return switch operation {
        case .and: [try broadcastBinary(LogicalAnd(), a, b, outputType: .bool, node: node, context: context)]
        case .or: [try broadcastBinary(LogicalOr(), a, b, outputType: .bool, node: node, context: context)]
        case .xor: [try broadcastBinary(LogicalXor(), a, b, outputType: .bool, node: node, context: context)]
        }
    }
}

let comparisonKernelFactories: [String: KernelFactory] = [
    "Equal": { node, _ in ComparisonKernel(node: node.displayName, operation: .equal) },
    "Less": { node, _ in ComparisonKernel(node: node.displayName, operation: .less) },
    "Greater": { node, _ in ComparisonKernel(node: node.displayName, operation: .greater) },
    "LessOrEqual": { node, _ in ComparisonKernel(node: node.displayName, operation: .lessOrEqual) },
    "GreaterOrEqual": { node, _ in ComparisonKernel(node: node.displayName, operation: .greaterOrEqual) },
    "And": { node, _ in LogicalKernel(node: node.displayName, operation: .and) },
    "Or": { node, _ in LogicalKernel(node: node.displayName, operation: .or) },
    "Xor": { node, _ in LogicalKernel(node: node.displayName, operation: .xor) },
]
