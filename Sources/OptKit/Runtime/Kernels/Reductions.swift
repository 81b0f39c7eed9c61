/// ReduceSum, ReduceMean, ReduceMax and ReduceMin.
///
/// Axes are an attribute before opset 13 (ReduceSum) or 18 (the others) and an optional input
/// after; with no axes every axis is reduced, unless `noop_with_empty_axes` makes the op an
/// identity. `keepdims` (default 1) keeps reduced axes as size 1. Reducing an empty set gives
/// the operation's identity: 0 for Sum, -inf/+inf (or the integer limits) for Max/Min, NaN for
/// a floating Mean.
///
/// The input's dims are collapsed into alternating kept and reduced runs. When the innermost
/// run is reduced, each output element reduces contiguous rows (SIMD for float); when it is
/// kept, blocks of consecutive outputs accumulate whole input rows element-wise, which
/// vectorizes. Both split across threads by output, so no two threads write one element.

protocol ReduceOperator: Sendable {
    static func identity<T: NumericElement>(_: T.Type) -> T
    static func combine<T: NumericElement>(_ a: T, _ b: T) -> T
    /// The reduction of `count` contiguous elements.
    static func row<T: NumericElement>(_ values: UnsafePointer<T>, _ count: Int) -> T
}

extension ReduceOperator {
    /// Scalar reduction with four independent accumulators (instruction-level parallelism).
    static func scalarRow<T: NumericElement>(_ values: UnsafePointer<T>, _ count: Int) -> T {
        var (a, b, c, d) = (identity(T.self), identity(T.self), identity(T.self), identity(T.self))
        var i = 0
        while i + 4 <= count {
            a = combine(a, values[i])
            b = combine(b, values[i + 1])
            c = combine(c, values[i + 2])
            d = combine(d, values[i + 3])
            i += 4
        }
        while i < count {
            a = combine(a, values[i])
            i += 1
        }
        return combine(combine(a, b), combine(c, d))
    }
}

enum SumReduction: ReduceOperator {
    @inline(__always) static func identity<T: NumericElement>(_: T.Type) -> T { T.zero }
    @inline(__always) static func combine<T: NumericElement>(_ a: T, _ b: T) -> T { T.add(a, b) }
    static func row<T: NumericElement>(_ values: UnsafePointer<T>, _ count: Int) -> T {
        if T.self == Float.self {
            return unsafeBitCast(FloatRow.sum(UnsafeRawPointer(values).assumingMemoryBound(to: Float.self), count), to: T.self)
        }
        return scalarRow(values, count)
    }
}

enum MaxReduction: ReduceOperator {
    @inline(__always) static func identity<T: NumericElement>(_: T.Type) -> T { T.lowest }
    @inline(__always) static func combine<T: NumericElement>(_ a: T, _ b: T) -> T { T.maximum(a, b) }
    static func row<T: NumericElement>(_ values: UnsafePointer<T>, _ count: Int) -> T {
        if T.self == Float.self {
            return unsafeBitCast(FloatRow.maximum(UnsafeRawPointer(values).assumingMemoryBound(to: Float.self), count), to: T.self)
        }
        return scalarRow(values, count)
    }
}

enum MinReduction: ReduceOperator {
    @inline(__always) static func identity<T: NumericElement>(_: T.Type) -> T { T.highest }
    @inline(__always) static func combine<T: NumericElement>(_ a: T, _ b: T) -> T { T.minimum(a, b) }
    static func row<T: NumericElement>(_ values: UnsafePointer<T>, _ count: Int) -> T {
        if T.self == Float.self {
            return unsafeBitCast(FloatRow.minimum(UnsafeRawPointer(values).assumingMemoryBound(to: Float.self), count), to: T.self)
        }
        return scalarRow(values, count)
    }
}

struct ReduceKernel<Op: ReduceOperator>: Kernel {
    let node: String
    let opType: String
    let keepDims: Bool
    let noopWithEmptyAxes: Bool
    /// Axes of the attribute form; nil when they come from the input or are absent.
    let attributeAxes: [Int]?
    let axesFromInput: Bool
    let isMean: Bool
    /// Whether bool inputs are accepted (ReduceMax/ReduceMin from opset 20).
    let acceptsBool: Bool

    /// `inputAxesOpset`: the opset from which axes are an input (13 for ReduceSum, 18 else).
    init(_ node: Node, opset: Int, opType: String, inputAxesOpset: Int, isMean: Bool = false, acceptsBool: Bool = false)
        throws(EngineError)
    {
        self.node = node.displayName
        self.opType = opType
        self.isMean = isMean
        self.acceptsBool = acceptsBool
        keepDims = try node.flagAttribute("keepdims", default: true)
        axesFromInput = opset >= inputAxesOpset
        if axesFromInput {
            attributeAxes = nil
            noopWithEmptyAxes = try node.flagAttribute("noop_with_empty_axes", default: false)
        } else {
            attributeAxes = try node.intsAttribute("axes")
            noopWithEmptyAxes = false
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let listed = axesFromInput ? try inputs.optional(1)?.integerValues(node, "axes") : attributeAxes
        let rank = input.rank
        var reduced = [Bool](repeating: false, count: rank)
        if let listed, !listed.isEmpty {
            let source: AxisSource = axesFromInput ? .input("axes") : .attribute("axes")
            for axis in try normalizedAxes(listed, rank: rank, node: node, source: source) { reduced[axis] = true }
        } else if noopWithEmptyAxes {
            return [input]
        } else {
            reduced = [Bool](repeating: true, count: rank)
        }
        var outputShape: [Int] = []
        for axis in 0..<rank {
            if !reduced[axis] {
                outputShape.append(input.shape[axis])
            } else if keepDims {
                outputShape.append(1)
            }
        }
        switch input.dataType {
        case .float16:
            let wide = try castTensor(input, to: .float, node: node, context: context)
            let result = try reduce(wide, reduced: reduced, outputShape: outputShape, context: context)
            return [try castTensor(result, to: .float16, node: node, context: context)]
        case .bool where acceptsBool:
            let bytes = Tensor(dataType: .uint8, shape: input.shape, storage: input.storage)
            let result = try reduce(bytes, reduced: reduced, outputShape: outputShape, context: context)
            if input.count == 0 {
                // UInt8's limits are not bools: an empty max is false, an empty min true.
                let value: UInt8 = Op.self == MinReduction.self ? 1 : 0
                result.storage.bytes.initializeMemory(as: UInt8.self, repeating: value, count: result.count)
            }
            return [Tensor(dataType: .bool, shape: result.shape, storage: result.storage)]
        default:
            return [try reduce(input, reduced: reduced, outputShape: outputShape, context: context)]
        }
    }

    private func reduce(_ input: Tensor, reduced: [Bool], outputShape: [Int], context: KernelContext) throws(EngineError) -> Tensor {
        let output = context.allocate(input.dataType, outputShape)
        let visitor = Reduction<Op>(input: input, output: output, reduced: reduced, isMean: isMean, context: context)
        guard try input.dataType.visitNumeric(visitor) != nil else { throw unsupportedType(node, opType, input.dataType) }
        return output
    }
}

private struct Reduction<Op: ReduceOperator>: NumericTypeVisitor {
    let input: Tensor, output: Tensor, reduced: [Bool], isMean: Bool, context: KernelContext

    func visit<T: NumericElement>(_: T.Type) {
        let outputCount = output.count
        guard outputCount > 0 else { return }
        // Collapse into runs of kept / reduced dims (size-1 dims dropped).
        var sizes: [Int] = []
        var kinds: [Bool] = []
        for (size, isReduced) in zip(input.shape, reduced) where size != 1 {
            if kinds.last == isReduced {
                sizes[sizes.count - 1] *= size
            } else {
                sizes.append(size)
                kinds.append(isReduced)
            }
        }
        let strides = contiguousStrides(sizes)
        let reducedCount = zip(sizes, kinds).filter { $0.1 }.reduce(1) { $0 * $1.0 }
        let (input, output) = (input, output)

        if input.count == 0 {
            let value = isMean ? T.divide(Op.identity(T.self), T.zero) : Op.identity(T.self)
            output.pointer(T.self).update(repeating: value, count: outputCount)
            return
        }
        let innerReduced = kinds.last ?? false
        // Reduced dims walked per output (all of them, or all but the contiguous innermost).
        let walked = (0..<sizes.count).filter { kinds[$0] && !(innerReduced && $0 == sizes.count - 1) }
        let walkOffsets = offsets(sizes: walked.map { sizes[$0] }, strides: walked.map { strides[$0] })
        let kept = (0..<sizes.count).filter { !kinds[$0] }
        let keptSizes = kept.map { sizes[$0] }
        let keptStrides = kept.map { strides[$0] }

        if innerReduced || kept.isEmpty {
            let row = innerReduced ? sizes[sizes.count - 1] : 1
            context.parallelFor(outputCount, minChunk: max(1, cheapElementwiseChunk / max(reducedCount, 1))) { range in
                let source = input.pointer(T.self)
                let target = output.pointer(T.self)
                for o in range {
                    let base = offset(of: o, sizes: keptSizes, strides: keptStrides)
                    var accumulator = Op.identity(T.self)
                    for walk in walkOffsets {
                        accumulator = Op.combine(accumulator, Op.row(source + base + walk, row))
                    }
                    target[o] = accumulator
                }
            }
        } else {
            let inner = keptSizes[keptSizes.count - 1]
            let outerSizes = Array(keptSizes.dropLast())
            let outerStrides = Array(keptStrides.dropLast())
            let block = 1024
            let blocks = (inner + block - 1) / block
            let outer = outputCount / inner
            context.parallelFor(outer * blocks, minChunk: max(1, cheapElementwiseChunk / max(reducedCount * block, 1))) { range in
                let source = input.pointer(T.self)
                let target = output.pointer(T.self)
                for item in range {
                    let o = item / blocks
                    let start = (item % blocks) * block
                    let length = Swift.min(block, inner - start)
                    let out = target + o * inner + start
                    let base = offset(of: o, sizes: outerSizes, strides: outerStrides) + start
                    out.update(repeating: Op.identity(T.self), count: length)
                    for walk in walkOffsets {
                        let from = source + base + walk
                        for j in 0..<length { out[j] = Op.combine(out[j], from[j]) }
                    }
                }
            }
        }
        if isMean {
            let divisor = T(count: reducedCount)
            context.parallelFor(outputCount, minChunk: cheapElementwiseChunk) { range in
                let target = output.pointer(T.self)
                for o in range { target[o] = T.divide(target[o], divisor) }
            }
        }
    }

    /// Input offset of element `index` of a row-major array of `sizes` whose dims step by `strides`.
    private func offset(of index: Int, sizes: [Int], strides: [Int]) -> Int {
        var rest = index
        var result = 0
        for d in stride(from: sizes.count - 1, through: 0, by: -1) {
            result += (rest % sizes[d]) * strides[d]
            rest /= sizes[d]
        }
        return result
    }

    /// Every offset of a row-major walk over `sizes` stepping by `strides`.
    private func offsets(sizes: [Int], strides: [Int]) -> [Int] {
        var result = [0]
        for (size, step) in zip(sizes, strides) {
            result = result.flatMap { base in (0..<size).map { base + $0 * step } }
        }
        return result
    }
}

let reductionKernelFactories: [String: KernelFactory] = [
    "ReduceSum": { node, opset throws(EngineError) in
        try ReduceKernel<SumReduction>(node, opset: opset, opType: "ReduceSum", inputAxesOpset: 13)
    },
    "ReduceMean": { node, opset throws(EngineError) in
        try ReduceKernel<SumReduction>(node, opset: opset, opType: "ReduceMean", inputAxesOpset: 18, isMean: true)
    },
    "ReduceMax": { node, opset throws(EngineError) in
        try ReduceKernel<MaxReduction>(node, opset: opset, opType: "ReduceMax", inputAxesOpset: 18, acceptsBool: true)
    },
    "ReduceMin": { node, opset throws(EngineError) in
        try ReduceKernel<MinReduction>(node, opset: opset, opType: "ReduceMin", inputAxesOpset: 18, acceptsBool: true)
    },
]
