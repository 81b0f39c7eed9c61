import Testing

@testable import OptKit

/// The broadcasting plan and its use by the arithmetic kernels: every shape pattern gives
/// numpy's result, on one thread and split across two.
@Suite struct BroadcastTests {
    /// numpy-style reference: element at output index `i` of `a op b`.
    static func reference(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> (shape: [Int], values: [Float]) {
        let rank = max(a.rank, b.rank)
        let sa = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let sb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        let shape = zip(sa, sb).map { $0 == 1 ? $1 : $0 }
        let count = shape.reduce(1, *)
        let va = a.elements(Float.self)
        let vb = b.elements(Float.self)
        var values: [Float] = []
        for index in 0..<count {
            var rest = index
            var ia = 0, ib = 0, stepA = 1, stepB = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let c = rest % shape[d]
                rest /= shape[d]
                if sa[d] != 1 { ia += c * stepA }
                if sb[d] != 1 { ib += c * stepB }
                stepA *= sa[d]
                stepB *= sb[d]
            }
            values.append(op(va[ia], vb[ib]))
        }
        return (shape, values)
    }

    static func ramp(_ shape: [Int], start: Float = 1) -> Tensor {
        let count = shape.reduce(1, *)
        return floats((0..<count).map { start + Float($0) }, shape)
    }

    static let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]),  // same shape
        ([2, 3], []),  // scalar
        ([], [4]),  // scalar on the left
        ([2, 3, 4], [4]),  // trailing vector
        ([2, 3, 4], [3, 1]),  // channel-style
        ([3, 1], [1, 4]),  // both sides broadcast
        ([2, 1, 4], [3, 1]),  // outer product of middle dims
        ([1, 3, 1, 5], [2, 1, 4, 1]),  // alternating
        ([2, 3, 4, 5], [1, 1, 1, 1]),  // all-ones shape, rank kept
        ([0, 3], [3]),  // empty
        ([4, 1], [4, 1]),  // output dims of 1 dropped
    ]

    @Test(arguments: shapePairs)
    func subMatchesNumpyBroadcasting(shapes: ([Int], [Int])) throws {
        let a = Self.ramp(shapes.0)
        let b = Self.ramp(shapes.1, start: 0.5)
        let expected = Self.reference(a, b, -)
        for threads in [1, 2] {
            let result = try runNode1("Sub", [a, b], threads: threads)
            #expect(result.shape == expected.shape)
            #expect(result.elements(Float.self) == expected.values)
        }
    }

    @Test func largeBroadcastSplitAcrossThreadsMatchesOneThread() throws {
        // Chunk boundaries fall inside rows: [67, 1031] + [1031] and [67, 1] + [1, 1031].
        let a = Self.ramp([67, 1031])
        let row = Self.ramp([1031], start: -3)
        let column = Self.ramp([67, 1], start: 7)
        for (left, right) in [(a, row), (column, Self.ramp([1, 1031]))] {
            let expected = Self.reference(left, right, *)
            let result = try runNode1("Mul", [left, right], threads: 2)
            #expect(result.shape == expected.shape)
            #expect(result.elements(Float.self) == expected.values)
        }
    }

    @Test func incompatibleShapesAreAnError() {
        let error = engineError { _ = try runNode1("Add", [Self.ramp([2, 3]), Self.ramp([2])]) }
        #expect(isInvalidInput(error))
        #expect("\(error!)".contains("cannot be broadcast"))
    }

    @Test func planCollapsesSameShapeToOneRun() throws {
        let plan = try BroadcastPlan([[2, 3, 4], [2, 3, 4]], node: "n")
        #expect(plan.dims == [24])
        let trailing = try BroadcastPlan([[2, 3, 4], [4]], node: "n")
        #expect(trailing.dims == [6, 4])
        #expect(trailing.innerStride(0) == 1 && trailing.innerStride(1) == 1)
        let channel = try BroadcastPlan([[8, 64, 56, 56], [64, 1, 1]], node: "n")
        #expect(channel.dims == [8, 64, 3136])
        #expect(channel.innerStride(1) == 0)
    }

    @Test func absurdBroadcastShapeIsAnErrorNotACrash() {
        let error = engineError {
            _ = try runNode1("Expand", [floats([1], [1]), int64s([1 << 40, 1 << 40], [2])])
        }
        #expect(isInvalidInput(error))
    }
}
