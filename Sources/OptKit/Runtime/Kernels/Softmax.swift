import Foundation

/// Softmax and LogSoftmax.
///
/// Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalized over each
/// row of the flattened trailing dims; from 13 the op normalizes along the single `axis`
/// (default -1). Both become `outer x length x inner` blocks: `inner == 1` (the usual last
/// axis) normalizes contiguous rows with SIMD max/sum and the vectorized exp; otherwise the
/// `length x inner` block is processed column-wise with vector operations across columns.
/// Rows are shifted by their maximum first, so large inputs do not overflow.
struct SoftmaxKernel: Kernel {
    let node: String
    let opType: String
    let axis: Int
    let coerceTo2D: Bool
    let logarithm: Bool

    init(_ node: Node, opset: Int, logarithm: Bool) throws(EngineError) {
        self.node = node.displayName
        self.logarithm = logarithm
        opType = logarithm ? "LogSoftmax" : "Softmax"
        coerceTo2D = opset < 13
        axis = try node.intAttribute("axis", default: coerceTo2D ? 1 : -1)
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let rank = input.rank
        guard axis >= -rank && axis < Swift.max(rank, 1) else {
            throw .invalidAttribute(node: node, attribute: "axis", message: "axis \(axis) is out of range for rank \(rank)")
        }
        let axis = rank == 0 ? 0 : (self.axis < 0 ? self.axis + rank : self.axis)
        let outer = elementCount(input.shape.prefix(axis))
        let length: Int
        let inner: Int
        if coerceTo2D || rank == 0 {
            length = elementCount(input.shape.dropFirst(axis))
            inner = 1
        } else {
            length = input.shape[axis]
            inner = elementCount(input.shape.dropFirst(axis + 1))
        }
        switch input.dataType {
        case .float:
            let output = context.allocate(.float, input.shape)
            softmaxFloat(input, output, outer: outer, length: length, inner: inner, context: context)
            return [output]
        case .float16:
            let wide = try castTensor(input, to: .float, node: node, context: context)
            let result = context.allocate(.float, input.shape)
            softmaxFloat(wide, result, outer: outer, length: length, inner: inner, context: context)
            return [try castTensor(result, to: .float16, node: node, context: context)]
        case .double:
            let output = context.allocate(.double, input.shape)
            softmaxDouble(input, output, outer: outer, length: length, inner: inner)
            return [output]
        default:
            throw unsupportedType(node, opType, input.dataType)
        }
    }

    private func softmaxFloat(_ input: Tensor, _ output: Tensor, outer: Int, length: Int, inner: Int, context: KernelContext) {
        guard length > 0 else { return }
        let logarithm = logarithm
        if inner == 1 {
            context.parallelFor(outer, minChunk: max(1, costlyElementwiseChunk / length)) { rows in
                for row in rows {
                    let x = UnsafePointer(input.pointer(Float.self) + row * length)
                    let y = output.pointer(Float.self) + row * length
                    let peak = FloatRow.maximum(x, length)
                    for i in 0..<length { y[i] = FastMath.exp(x[i] - peak) }
                    let total = FloatRow.sum(y, length)
                    if logarithm {
                        let shift = peak + FastMath.log(total)
                        for i in 0..<length { y[i] = x[i] - shift }
                    } else {
                        let scale = 1 / total
                        for i in 0..<length { y[i] *= scale }
                    }
                }
            }
            return
        }
        context.parallelFor(outer, minChunk: max(1, costlyElementwiseChunk / (length * inner))) { blocks in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * inner)
            defer { scratch.deallocate() }
            let peak = scratch
            let total = scratch + inner
            for block in blocks {
                let x = UnsafePointer(input.pointer(Float.self) + block * length * inner)
                let y = output.pointer(Float.self) + block * length * inner
                peak.update(from: x, count: inner)
                for k in 1..<length {
                    let row = x + k * inner
                    for j in 0..<inner { peak[j] = row[j] > peak[j] || row[j] != row[j] ? row[j] : peak[j] }
                }
                total.update(repeating: 0, count: inner)
                for k in 0..<length {
                    let row = x + k * inner
                    let out = y + k * inner
                    for j in 0..<inner {
                        let e = FastMath.exp(row[j] - peak[j])
                        out[j] = e
                        total[j] += e
                    }
                }
                if logarithm {
                    for j in 0..<inner { total[j] = peak[j] + FastMath.log(total[j]) }
                    for k in 0..<length {
                        let row = x + k * inner
                        let out = y + k * inner
                        for j in 0..<inner { out[j] = row[j] - total[j] }
                    }
                } else {
                    for j in 0..<inner { total[j] = 1 / total[j] }
                    for k in 0..<length {
                        let out = y + k * inner
                        for j in 0..<inner { out[j] *= total[j] }
                    }
                }
            }
        }
    }

    /// Double precision, straightforward: the reference path for the rare double model.
    private func softmaxDouble(_ input: Tensor, _ output: Tensor, outer: Int, length: Int, inner: Int) {
        let x = input.pointer(Double.self)
        let y = output.pointer(Double.self)
        for block in 0..<outer {
            for j in 0..<inner {
                let base = block * length * inner + j
                var peak = -Double.infinity
                for k in 0..<length { peak = Swift.max(peak, x[base + k * inner]) }
                var total = 0.0
                for k in 0..<length { total += Foundation.exp(x[base + k * inner] - peak) }
                for k in 0..<length {
                    let shifted = x[base + k * inner] - peak
                    y[base + k * inner] = logarithm ? shifted - Foundation.log(total) : Foundation.exp(shifted) / total
                }
            }
        }
    }
}

let softmaxKernelFactories: [String: KernelFactory] = [
    "Softmax": { node, opset throws(EngineError) in try SoftmaxKernel(node, opset: opset, logarithm: false) },
    "LogSoftmax": { node, opset throws(EngineError) in try SoftmaxKernel(node, opset: opset, logarithm: true) },
]
