/// Multidirectional (numpy) broadcasting of one to three inputs to a common output shape,
/// reduced to as few dimensions as possible so that the loops touch index arithmetic once per
/// contiguous run, never per element.
///
/// Dimensions where the output is 1 are dropped, and neighbouring dimensions merge when every
/// input either spans both or is broadcast along both. Same-shape inputs become one run over
/// the whole tensor; a scalar or a trailing vector (`[N, C] + [C]`) leaves a single inner
/// dimension along which each input steps by 1 or 0, so the inner loop has three shapes
/// (vector-vector, vector-scalar, scalar-vector) that the compiler vectorizes.
struct BroadcastPlan: Sendable {
    let outputShape: [Int]
    let count: Int
    /// Collapsed output dimensions, outermost first; never empty.
    let dims: [Int]
    /// `strides[input * dims.count + d]`: element step of `input` along collapsed dim `d`,
    /// 0 where it is broadcast.
    private let strides: [Int]
    let inputCount: Int

    init(_ shapes: [[Int]], node: String) throws(EngineError) {
        let rank = shapes.map(\.count).max() ?? 0
        let aligned = shapes.map { [Int](repeating: 1, count: rank - $0.count) + $0 }
        var output = [Int](repeating: 1, count: rank)
        for d in 0..<rank {
            var size = 1
            for shape in aligned where shape[d] != 1 {
                guard size == 1 || size == shape[d] else {
                    throw .invalidInput(
                        node: node, message: "shapes \(shapes.map { "\($0)" }.joined(separator: ", ")) cannot be broadcast together")
                }
                size = shape[d]
            }
            output[d] = size
        }
        var total = 1
        for dim in output {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw .invalidInput(node: node, message: "broadcast shape \(output) is too large")
            }
            total = product
        }
        outputShape = output
        count = total
        inputCount = shapes.count

        // Each kept dimension gets a mask of the inputs that span it; equal masks merge.
        var dims: [Int] = []
        var masks: [UInt8] = []
        for d in 0..<rank where output[d] != 1 {
            var mask: UInt8 = 0
            for (k, shape) in aligned.enumerated() where shape[d] == output[d] { mask |= 1 << k }
            if let last = masks.last, last == mask {
                dims[dims.count - 1] *= output[d]
            } else {
                dims.append(output[d])
                masks.append(mask)
            }
        }
        if dims.isEmpty {
            dims = [1]
            masks = [UInt8(truncatingIfNeeded: (1 << shapes.count) - 1)]
        }
        self.dims = dims
        var strides = [Int](repeating: 0, count: shapes.count * dims.count)
        for k in 0..<shapes.count {
            var step = 1
            for d in stride(from: dims.count - 1, through: 0, by: -1) where masks[d] & (1 << k) != 0 {
                strides[k * dims.count + d] = step
                step *= dims[d]
            }
        }
        self.strides = strides
    }

    /// Step (0 or 1) of `input` along the innermost dimension.
    func innerStride(_ input: Int) -> Int {
        strides[input * dims.count + dims.count - 1]
    }

    /// Calls `body(outputOffset, inputOffsets, length)` for each contiguous stretch of the output
    /// elements in `range`: output elements `outputOffset ..< outputOffset + length` read input
    /// `k` from `inputOffsets[k]` stepping by `innerStride(k)`.
    func forEachRun(in range: Range<Int>, _ body: (Int, UnsafeBufferPointer<Int>, Int) -> Void) {
        guard !range.isEmpty else { return }
        let rank = dims.count
        let inner = dims[rank - 1]
        let inputs = inputCount
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank + 2 * inputs) { scratch in
            let coordinates = scratch.baseAddress!
            let rowBase = coordinates + rank
            let offsets = rowBase + inputs
            for k in 0..<inputs { rowBase[k] = 0 }
            var rest = range.lowerBound / inner
            for d in stride(from: rank - 2, through: 0, by: -1) {
                let coordinate = rest % dims[d]
                rest /= dims[d]
                coordinates[d] = coordinate
                for k in 0..<inputs { rowBase[k] += coordinate * strides[k * rank + d] }
            }
            var column = range.lowerBound % inner
            var position = range.lowerBound
            while position < range.upperBound {
                let length = Swift.min(inner - column, range.upperBound - position)
                for k in 0..<inputs { offsets[k] = rowBase[k] + column * strides[k * rank + rank - 1] }
                body(position, UnsafeBufferPointer(start: offsets, count: inputs), length)
                position += length
                column = 0
                var d = rank - 2
                while d >= 0 {
                    coordinates[d] += 1
                    for k in 0..<inputs { rowBase[k] += strides[k * rank + d] }
                    if coordinates[d] < dims[d] { break }
                    for k in 0..<inputs { rowBase[k] -= dims[d] * strides[k * rank + d] }
                    coordinates[d] = 0
                    d -= 1
                }
            }
        }
    }

    /// `forEachRun` over the whole output, split across the context's threads in chunks of at
    /// least `minChunk` elements.
    func parallelRuns(
        _ context: KernelContext, minChunk: Int, _ body: @Sendable (Int, UnsafeBufferPointer<Int>, Int) -> Void
    ) {
        context.parallelFor(count, minChunk: minChunk) { range in
            self.forEachRun(in: range, body)
        }
    }
}

/// Elements per parallel chunk for cheap element-wise loops (one or two operations per element):
/// below this, waking another thread costs more than it saves.
let cheapElementwiseChunk = 1 << 16

/// Elements per parallel chunk for loops that evaluate a polynomial or more per element.
let costlyElementwiseChunk = 1 << 13
