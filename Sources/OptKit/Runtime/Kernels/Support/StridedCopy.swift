/// Copying a strided view of a tensor into contiguous output, shared by Transpose and Slice.
/// Index arithmetic happens once per output row; a row whose source is contiguous is one
/// memory copy.

/// The row-major element strides of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = step
        step *= shape[d]
    }
    return strides
}

/// A view of a source tensor: output shape plus, per output dim, the source element stride
/// (possibly negative or zero) and the source element offset of output element 0.
struct StridedView: Sendable {
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    /// Drops size-1 dims and merges neighbours that step through the source as one dim.
    func collapsed() -> StridedView {
        var shape: [Int] = []
        var strides: [Int] = []
        for (size, step) in zip(self.shape, self.strides) where size != 1 {
            if let lastStep = strides.last, lastStep == step * size {
                shape[shape.count - 1] *= size
                strides[strides.count - 1] = step
            } else {
                shape.append(size)
                strides.append(step)
            }
        }
        return StridedView(shape: shape, strides: strides, offset: offset)
    }
}

/// Copies `view` of `source` into contiguous `destination`, in parallel over output rows.
func copyStrided(
    _ view: StridedView, from source: Tensor, into destination: Tensor, node: String, context: KernelContext
) throws(EngineError) {
    struct Visitor: RawTypeVisitor {
        let view: StridedView, source: Tensor, destination: Tensor, context: KernelContext
        func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
            copyStrided(view, source.pointer(T.self), destination.pointer(T.self), context: context)
        }
    }
    guard try source.dataType.visitRaw(Visitor(view: view.collapsed(), source: source, destination: destination, context: context)) != nil
    else {
        throw .unsupportedAttribute(node: node, attribute: "element type", message: "\(source.dataType) tensors cannot be copied")
    }
}

private func copyStrided<T>(
    _ view: StridedView, _ source: UnsafeMutablePointer<T>, _ destination: UnsafeMutablePointer<T>, context: KernelContext
) {
    let total = elementCount(view.shape)
    guard total > 0 else { return }
    guard let inner = view.shape.last, let innerStride = view.strides.last else {
        destination[0] = source[view.offset]
        return
    }
    let outerShape = Array(view.shape.dropLast())
    let outerStrides = Array(view.strides.dropLast())
    let rows = total / inner
    nonisolated(unsafe) let source = source
    nonisolated(unsafe) let destination = destination
    context.parallelFor(rows, minChunk: max(1, cheapElementwiseChunk / inner)) { range in
        // Source offset of the first row in range.
        var coordinates = [Int](repeating: 0, count: outerShape.count)
        var rest = range.lowerBound
        var rowOffset = view.offset
        for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
            coordinates[d] = rest % outerShape[d]
            rest /= outerShape[d]
            rowOffset += coordinates[d] * outerStrides[d]
        }
        for row in range {
            let target = destination + row * inner
            let start = source + rowOffset
            if innerStride == 1 {
                target.update(from: start, count: inner)
            } else {
                for i in 0..<inner { target[i] = start[i * innerStride] }
            }
            var d = outerShape.count - 1
            while d >= 0 {
                coordinates[d] += 1
                rowOffset += outerStrides[d]
                if coordinates[d] < outerShape[d] { break }
                rowOffset -= outerShape[d] * outerStrides[d]
                coordinates[d] = 0
                d -= 1
            }
        }
    }
}
