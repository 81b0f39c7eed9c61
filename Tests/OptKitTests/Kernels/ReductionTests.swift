import Testing

@testable import OptKit

/// ReduceSum, ReduceMean, ReduceMax, ReduceMin: axes as attributes (before 13 / 18) and as
/// inputs, keepdims, noop_with_empty_axes, empty sets, integer and bool inputs.
@Suite struct ReductionTests {
    /// numpy-style reference over `axes` of a float tensor, in double.
    static func reference(_ values: [Float], _ shape: [Int], axes: Set<Int>, keepDims: Bool, op: String) -> (shape: [Int], values: [Float]) {
        let outputShapeKept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let count = outputShapeKept.reduce(1, *)
        var accumulators = [[Double]](repeating: [], count: count)
        for (index, value) in values.enumerated() {
            var rest = index
            var target = 0
            var step = 1
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                let c = rest % shape[d]
                rest /= shape[d]
                if !axes.contains(d) { target += c * step }
                step *= outputShapeKept[d]
            }
            accumulators[target].append(Double(value))
        }
        let reduced: [Float] = accumulators.map { group in
            switch op {
            case "ReduceSum": Float(group.reduce(0, +))
            case "ReduceMean": Float(group.reduce(0, +) / Double(group.count))
            case "ReduceMax": Float(group.max() ?? -.infinity)
            default: Float(group.min() ?? .infinity)
            }
        }
        let outputShape = keepDims ? outputShapeKept : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return (outputShape, reduced)
    }

    static let shape = [2, 3, 4, 5]
    static let values = (0..<120).map { Float(($0 * 53) % 41) - 20 }
    static let axisSets: [[Int]] = [[0], [1], [3], [-1], [0, 2], [1, 3], [1, 2], [0, 1, 2, 3], [2, 0], [-3, -1]]

    @Test(arguments: ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"])
    func axesAsInputsMatchNumpy(op: String) throws {
        for axes in Self.axisSets {
            for keepDims in [true, false] {
                let normalized = Set(axes.map { $0 < 0 ? $0 + 4 : $0 })
                let expected = Self.reference(Self.values, Self.shape, axes: normalized, keepDims: keepDims, op: op)
                let result = try runNode1(
                    op, [floats(Self.values, Self.shape), int64s(axes.map(Int64.init), [axes.count])],
                    attributes: ["keepdims": .int(keepDims ? 1 : 0)], opset: 18)
                expectFloats(result, expected.values, expected.shape)
            }
        }
    }

    @Test(arguments: [("ReduceSum", 11), ("ReduceMean", 13), ("ReduceMax", 13), ("ReduceMin", 17)])
    func axesAsAttributesInOlderOpsets(op: String, opset: Int) throws {
        let expected = Self.reference(Self.values, Self.shape, axes: [1, 3], keepDims: true, op: op)
        let result = try runNode1(op, [floats(Self.values, Self.shape)], attributes: ["axes": .ints([1, -1])], opset: opset)
        expectFloats(result, expected.values, expected.shape)
    }

    @Test func defaultAxesReduceEverythingUnlessNoop() throws {
        let input = floats(Self.values, Self.shape)
        let all = try runNode1("ReduceSum", [input], opset: 13)
        #expect(all.shape == [1, 1, 1, 1])
        #expect(all.elements(Float.self) == [Self.values.reduce(0, +)])
        let flat = try runNode1("ReduceMax", [input], attributes: ["keepdims": .int(0)], opset: 18)
        #expect(flat.shape == [])
        #expect(flat.elements(Float.self) == [Self.values.max()!])
        // An empty axes input counts as absent.
        let emptyAxes = int64s([], [0])
        #expect(try runNode1("ReduceMin", [input, emptyAxes], opset: 18).elements(Float.self) == [Self.values.min()!])
        // noop_with_empty_axes: the input unchanged.
        let noop = try runNode1("ReduceSum", [input, emptyAxes], attributes: ["noop_with_empty_axes": .int(1)], opset: 13)
        #expect(noop.shape == Self.shape)
        #expect(noop.elements(Float.self) == Self.values)
    }

    @Test func emptySetsGiveTheIdentity() throws {
        let empty = floats([], [2, 0, 4])
        let axes = int64s([1], [1])
        #expect(try runNode1("ReduceSum", [empty, axes], opset: 18).elements(Float.self) == [Float](repeating: 0, count: 8))
        #expect(try runNode1("ReduceMax", [empty, axes], opset: 18).elements(Float.self) == [Float](repeating: -.infinity, count: 8))
        #expect(try runNode1("ReduceMin", [empty, axes], opset: 18).elements(Float.self) == [Float](repeating: .infinity, count: 8))
        #expect(try runNode1("ReduceMean", [empty, axes], opset: 18).elements(Float.self).allSatisfy { $0.isNaN })
        // Reducing a non-empty axis of an empty tensor gives an empty tensor.
        #expect(try runNode1("ReduceSum", [empty, int64s([2], [1])], opset: 18).shape == [2, 0, 1])
    }

    @Test func integerAndBoolInputs() throws {
        let ints = int64s([1, 2, 3, 4, 5, 7], [2, 3])
        #expect(try runNode1("ReduceSum", [ints, int64s([1], [1])], opset: 13).elements(Int64.self) == [6, 16])
        #expect(try runNode1("ReduceMean", [ints, int64s([1], [1])], opset: 18).elements(Int64.self) == [2, 5])
        #expect(try runNode1("ReduceMax", [ints, int64s([0], [1])], opset: 18).elements(Int64.self) == [4, 5, 7])
        let flags = bools([true, false, false, false], [2, 2])
        let any = try runNode1("ReduceMax", [flags, int64s([1], [1])], opset: 20)
        #expect(any.dataType == .bool)
        #expect(boolValues(any) == [true, false])
        #expect(boolValues(try runNode1("ReduceMin", [flags, int64s([0], [1])], opset: 20)) == [false, false])
        let emptyFlags = bools([], [0, 2])
        #expect(try runNode1("ReduceMin", [emptyFlags, int64s([0], [1])], opset: 20).elements(UInt8.self) == [1, 1])
        #expect(try runNode1("ReduceMax", [emptyFlags, int64s([0], [1])], opset: 20).elements(UInt8.self) == [0, 0])
        let sumBools = engineError { _ = try runNode1("ReduceSum", [flags], opset: 13) }
        #expect(isUnsupported(sumBools, "element type"))
    }

    @Test func float16ReducesInFloat() throws {
        // 2048 + 1 + 1 in float16 steps would stay 2048; in float it is 2050.
        let halves = Tensor(elements: [Float(2048), 1, 1].map(HalfConversion.halfBits), dataType: .float16, shape: [3])
        let sum = try runNode1("ReduceSum", [halves], opset: 13)
        #expect(sum.dataType == .float16)
        #expect(floatValues(sum) == [2050])
    }

    @Test func largeReductionsOnTwoThreads() throws {
        let rows = 257, columns = 1031
        let values = (0..<(rows * columns)).map { Float($0 % 101) - 50 }
        let input = floats(values, [rows, columns])
        for axis in [0, 1] {
            let expected = Self.reference(values, [rows, columns], axes: [axis], keepDims: false, op: "ReduceSum")
            for threads in [1, 2] {
                let result = try runNode1(
                    "ReduceSum", [input, int64s([Int64(axis)], [1])], attributes: ["keepdims": .int(0)], opset: 13, threads: threads)
                expectFloats(result, expected.values, expected.shape)
            }
        }
        let maxRows = try runNode1("ReduceMax", [input, int64s([1], [1])], opset: 18, threads: 2)
        #expect(maxRows.elements(Float.self).allSatisfy { $0 == 50 })
        let nan = floats([1, .nan, 3, 4, 5, 6, 7, 8, 9, 10], [10])
        #expect(try runNode1("ReduceMax", [nan], opset: 18).elements(Float.self)[0].isNaN)
        #expect(try runNode1("ReduceMin", [nan], opset: 18).elements(Float.self)[0].isNaN)
    }

    @Test func badAxesAreErrors() {
        let input = floats([1, 2], [2])
        let outOfRange = engineError { _ = try runNode1("ReduceSum", [input, int64s([1], [1])], opset: 13) }
        #expect(isInvalidInput(outOfRange))
        let twice = engineError { _ = try runNode1("ReduceMean", [input], attributes: ["axes": .ints([0, -1])], opset: 13) }
        #expect(isInvalidAttribute(twice, "axes"))
        let keepDims = engineError { _ = try runNode1("ReduceMax", [input], attributes: ["keepdims": .int(2)], opset: 18) }
        #expect(isInvalidAttribute(keepDims, "keepdims"))
    }
}
