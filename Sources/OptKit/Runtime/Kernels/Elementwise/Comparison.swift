/// Equal, Less and Greater: numpy-broadcast comparisons of two inputs of one numeric type (Equal
/// also compares bools), giving a bool tensor.

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

struct ComparisonKernel<Op: ComparisonOperator>: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let a = try inputs.required(0, node)
        let b = try inputs.required(1, node)
        try requireSameType([a, b], node: node, opType: Op.opType)
        if a.dataType == .bool && Op.self == EqualOperator.self {
            return [try broadcastBinary(BoolEquality(), a, b, outputType: .bool, node: node, context: context)]
        }
        guard let output = try a.dataType.visitNumeric(ComparisonVisitor<Op>(a: a, b: b, node: node, context: context)) else {
            throw unsupportedType(node, Op.opType, a.dataType)
        }
        return [output]
    }
}

let comparisonKernelFactories: [String: KernelFactory] = [
    "Equal": { node, _ in ComparisonKernel<EqualOperator>(node: node.displayName) },
    "Less": { node, _ in ComparisonKernel<LessOperator>(node: node.displayName) },
    "Greater": { node, _ in ComparisonKernel<GreaterOperator>(node: node.displayName) },
]
