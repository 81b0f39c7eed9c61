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
        // The factory checked that perm is a permutation of 0..<perm.count.
        guard perm.count == rank else {
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
                    var row = rowStart
                    if T.self == UInt32.self {
                        // 4-byte elements (float, int32): 4x4 blocks transposed in registers.
                        while row + 4 <= rowEnd {
                            var column = columnStart
                            while column + 4 <= columnEnd {
                                transpose4x4(
                                    from: UnsafeRawPointer(source + sourceOffset + row + column * columnStep), columnStep: columnStep,
                                    to: UnsafeMutableRawPointer(target + targetOffset + row * rowStep + column), rowStep: rowStep)
                                column += 4
                            }
                            for r in row..<(row + 4) {
                                for c in column..<columnEnd {
                                    target[targetOffset + r * rowStep + c] = source[sourceOffset + r + c * columnStep]
                                }
                            }
                            row += 4
                        }
                    }
                    for r in row..<rowEnd {
                        let from = source + sourceOffset + r
                        let to = target + targetOffset + r * rowStep
                        for column in columnStart..<columnEnd { to[column] = from[column * columnStep] }
                    }
                    columnStart = columnEnd
                }
            }
        }
    }
}

/// Transposes a 4x4 block of 4-byte elements: four source columns (each 4 contiguous elements,
/// `columnStep` elements apart) become four contiguous destination rows (`rowStep` apart).
@inline(__always)
private func transpose4x4(from: UnsafeRawPointer, columnStep: Int, to: UnsafeMutableRawPointer, rowStep: Int) {
    let a = from.loadUnaligned(as: SIMD4<UInt32>.self)
    let b = from.loadUnaligned(fromByteOffset: 4 * columnStep, as: SIMD4<UInt32>.self)
    let c = from.loadUnaligned(fromByteOffset: 8 * columnStep, as: SIMD4<UInt32>.self)
    let d = from.loadUnaligned(fromByteOffset: 12 * columnStep, as: SIMD4<UInt32>.self)
    to.storeBytes(of: SIMD4(a[0], b[0], c[0], d[0]), as: SIMD4<UInt32>.self)
    to.storeBytes(of: SIMD4(a[1], b[1], c[1], d[1]), toByteOffset: 4 * rowStep, as: SIMD4<UInt32>.self)
    to.storeBytes(of: SIMD4(a[2], b[2], c[2], d[2]), toByteOffset: 8 * rowStep, as: SIMD4<UInt32>.self)
    to.storeBytes(of: SIMD4(a[3], b[3], c[3], d[3]), toByteOffset: 12 * rowStep, as: SIMD4<UInt32>.self)
}

let transposeKernelFactories: [String: KernelFactory] = [
    "Transpose": { node, _ throws(EngineError) in
        let perm = try node.intsAttribute("perm")
        if let perm, perm.sorted() != Array(0..<perm.count) {
            throw .invalidAttribute(node: node.displayName, attribute: "perm", message: "\(perm) is not a permutation of the \(perm.count) axes")
        }
        return TransposeKernel(node: node.displayName, perm: perm)
    }
]
