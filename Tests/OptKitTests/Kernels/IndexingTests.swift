import Testing

@testable import OptKit

/// Slice and Gather; expected values from numpy indexing.
@Suite struct IndexingTests {
    static let grid = int64s((0..<20).map(Int64.init), [4, 5])

    static func slice(_ input: Tensor, starts: [Int64], ends: [Int64], axes: [Int64]? = nil, steps: [Int64]? = nil) throws -> Tensor {
        var inputs: [Tensor?] = [input, int64s(starts, [starts.count]), int64s(ends, [ends.count])]
        inputs.append(axes.map { int64s($0, [$0.count]) })
        inputs.append(steps.map { int64s($0, [$0.count]) })
        return try runNode1("Slice", inputs, opset: 13)
    }

    @Test func sliceWithStepsAndNegativeIndices() throws {
        // y[3:0:-2, ::-1]
        let reversed = try Self.slice(Self.grid, starts: [3, -1], ends: [0, Int64.min], axes: [0, 1], steps: [-2, -1])
        #expect(reversed.shape == [2, 5])
        #expect(reversed.elements(Int64.self) == [19, 18, 17, 16, 15, 9, 8, 7, 6, 5])
        // y[-3:100, 1:-1:2]: out-of-range ends clamp.
        let clamped = try Self.slice(Self.grid, starts: [-3, 1], ends: [100, -1], steps: [1, 2])
        #expect(clamped.shape == [3, 2])
        #expect(clamped.elements(Int64.self) == [6, 8, 11, 13, 16, 18])
        // Default axes and steps; INT64_MAX as "to the end".
        let tail = try Self.slice(Self.grid, starts: [2], ends: [Int64.max])
        #expect(tail.elements(Int64.self) == Array(10..<20))
        // Negative axes select from the end.
        let column = try Self.slice(Self.grid, starts: [4], ends: [5], axes: [-1])
        #expect(column.shape == [4, 1])
        #expect(column.elements(Int64.self) == [4, 9, 14, 19])
        // Start past the end: empty; huge negative steps take one element.
        #expect(try Self.slice(Self.grid, starts: [10], ends: [20], axes: [0]).shape == [0, 5])
        let one = try Self.slice(Self.grid, starts: [-1], ends: [Int64.min], axes: [1], steps: [Int64.min])
        #expect(one.elements(Int64.self) == [4, 9, 14, 19])
    }

    @Test func sliceAttributeFormBeforeOpset10() throws {
        let result = try runNode1(
            "Slice", [Self.grid], attributes: ["starts": .ints([1, 0]), "ends": .ints([2, 3]), "axes": .ints([0, 1])], opset: 9)
        #expect(result.elements(Int64.self) == [5, 6, 7])
        let missing = engineError { _ = try runNode1("Slice", [Self.grid], attributes: ["starts": .ints([1])], opset: 9) }
        #expect(isInvalidAttribute(missing, "starts"))
    }

    @Test func sliceOfLargeFloatTensorOnTwoThreads() throws {
        let input = floats((0..<(200 * 300)).map(Float.init), [200, 300])
        let result = try runNode1(
            "Slice", [input, int64s([5, 299], [2]), int64s([195, 0], [2]), int64s([0, 1], [2]), int64s([3, -3], [2])], threads: 2)
        #expect(result.shape == [64, 100])
        let values = result.elements(Float.self)
        #expect(values[0] == 5 * 300 + 299)
        #expect(values[101] == 8 * 300 + 296)
    }

    @Test func sliceErrors() {
        let step = engineError { _ = try Self.slice(Self.grid, starts: [0], ends: [1], steps: [0]) }
        #expect(isInvalidInput(step))
        let lengths = engineError { _ = try Self.slice(Self.grid, starts: [0, 0], ends: [1]) }
        #expect(isInvalidInput(lengths))
        let axes = engineError { _ = try Self.slice(Self.grid, starts: [0, 0], ends: [1, 1], axes: [1, 1]) }
        #expect(isInvalidInput(axes))
        let floatStarts = engineError { _ = try runNode1("Slice", [Self.grid, floats([0], [1]), int64s([1], [1])]) }
        #expect(isInvalidInput(floatStarts))
    }

    @Test func gatherAlongAxes() throws {
        let data = floats((0..<12).map(Float.init), [3, 4])
        // Rows, with a 2-D index tensor (ONNX's gather_2d_indices shape rule).
        let rows = try runNode1("Gather", [data, int64s([2, 0, 1, 2], [2, 2])])
        #expect(rows.shape == [2, 2, 4])
        #expect(rows.elements(Float.self) == [8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        // Columns with negative and int32 indices.
        let columns = try runNode1("Gather", [data, int32s([-1, 0], [2])], attributes: ["axis": .int(1)])
        #expect(columns.shape == [3, 2])
        #expect(columns.elements(Float.self) == [3, 0, 7, 4, 11, 8])
        // A scalar index drops the axis.
        let scalar = try runNode1("Gather", [data, int64s([1], [])], attributes: ["axis": .int(-2)])
        #expect(scalar.shape == [4])
        #expect(scalar.elements(Float.self) == [4, 5, 6, 7])
        // Shape-op style: gather from an int64 shape vector.
        #expect(try runNode1("Gather", [int64s([2, 3, 4], [3]), int64s([0], [])]).elements(Int64.self) == [2])
        // Embedding-style lookup on two threads.
        let table = floats((0..<(1000 * 64)).map(Float.init), [1000, 64])
        let ids = int64s((0..<500).map { Int64($0 * 7 % 1000) }, [500])
        let looked = try runNode1("Gather", [table, ids], threads: 2).elements(Float.self)
        #expect(looked[64 * 3] == Float(21 * 64))
    }

    @Test func gatherRejectsOutOfRangeIndices() {
        let data = floats((0..<12).map(Float.init), [3, 4])
        for index: Int64 in [3, -4, Int64.max] {
            let error = engineError { _ = try runNode1("Gather", [data, int64s([index], [1])]) }
            #expect(isInvalidInput(error), "\(index)")
        }
        let floatIndices = engineError { _ = try runNode1("Gather", [data, floats([0], [1])]) }
        #expect(isInvalidInput(floatIndices))
        let axis = engineError { _ = try runNode1("Gather", [data, int64s([0], [1])], attributes: ["axis": .int(2)]) }
        #expect(isInvalidAttribute(axis, "axis"))
    }
}
