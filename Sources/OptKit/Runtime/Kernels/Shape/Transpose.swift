/// Transpose. The permuted view is first collapsed (size-1 dims dropped, dims that stay
/// adjacent merged), which turns most real transposes into one of three cases:
/// - the element order does not change (a permutation of size-1 axes): a view of the input;
/// - the innermost output dim is contiguous in the input (`[B, S, H, D] -> [B, H, S, D]`):
///   row copies;
/// - otherwise a tiled 2-D transpose between the output's innermost dim and the input's
///   innermost dim, repeated over the remaining dims, so both reads and writes stay in cache.
struct TransposeKernel: Kernel {
    let node: String
    let perm: [Int]?

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let rank = input.rank
        let perm = self.perm ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw .invalidAttribute(node: node, attribute: "perm", message: "\(perm) is not a permutation of the \(rank) axes")
        }
        let outputShape = perm.map { input.shape[$0] }
        let inputStrides = contiguousStrides(input.shape)
        let view = StridedView(shape: outputShape, strides: perm.map { inputStrides[$0] }, offset: 0).collapsed()
        if view.strides == contiguousStrides(view.shape) {
            return [input.reshaped(outputShape)]
        }
        let output = context.allocate(input.dataType, outputShape)
        if view.strides.last == 1 {
            try copyStrided(view, from: input, into: output, node: node, context: context)
        } else {
            guard try input.dataType.visitRaw(TiledTranspose(view: view, input: input, output: output, context: context)) != nil else {
                throw unsupportedType(node, "Transpose", input.dataType)
            }
        }
        return [output]
    }
}

/// The tiled case: output dim `last` is contiguous in the output and steps by `strides[last]`
/// in the input; output dim `q` is contiguous in the input.
private struct TiledTranspose: RawTypeVisitor {
    let view: StridedView
    let input: Tensor
    let output: Tensor
    let context: KernelContext

    static let tile = 16

    func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
        let rank = view.shape.count
        let last = rank - 1
        guard let q = view.strides.firstIndex(of: 1) else { return }
        let outputStrides = contiguousStrides(view.shape)
        let columns = view.shape[last]
        let columnStep = view.strides[last]
        let rows = view.shape[q]
        let rowStep = outputStrides[q]
        let outerDims = (0..<rank).filter { $0 != q && $0 != last }
        let outerShape = outerDims.map { view.shape[$0] }
        let outerSource = outerDims.map { view.strides[$0] }
        let outerTarget = outerDims.map { outputStrides[$0] }
        let rowBlocks = (rows + Self.tile - 1) / Self.tile
        let work = elementCount(outerShape) * rowBlocks
        let input = input, output = output
        context.parallelFor(work, minChunk: max(1, cheapElementwiseChunk / (Self.tile * max(columns, 1)))) { range in
            let source = input.pointer(T.self)
            let target = output.pointer(T.self)
            for item in range {
                var outer = item / rowBlocks
                var sourceOffset = 0
                var targetOffset = 0
                for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    let coordinate = outer % outerShape[d]
                    outer /= outerShape[d]
                    sourceOffset += coordinate * outerSource[d]
                    targetOffset += coordinate * outerTarget[d]
                }
                let rowStart = (item % rowBlocks) * Self.tile
                let rowEnd = Swift.min(rowStart + Self.tile, rows)
                var columnStart = 0
                while columnStart < columns {
                    let columnEnd = Swift.min(columnStart + Self.tile, columns)
                    for row in rowStart..<rowEnd {
                        let from = source + sourceOffset + row
                        let to = target + targetOffset + row * rowStep
                        for column in columnStart..<columnEnd { to[column] = from[column * columnStep] }
                    }
                    columnStart = columnEnd
                }
            }
        }
    }
}

let transposeKernelFactories: [String: KernelFactory] = [
    "Transpose": { node, _ throws(EngineError) in
        TransposeKernel(node: node.displayName, perm: try node.intsAttribute("perm"))
    }
]
