import Testing

@testable import OptKit

/// Equal, Less, Greater, Not and Where.
@Suite struct ComparisonTests {
    @Test func comparisonsGiveBoolsWithBroadcasting() throws {
        let x = floats([1, 2, 3, 4, 5, 6], [2, 3])
        let y = floats([2, 2, 2], [3])
        let less = try runNode1("Less", [x, y])
        #expect(less.dataType == .bool)
        #expect(less.shape == [2, 3])
        #expect(boolValues(less) == [true, false, false, false, false, false])
        #expect(boolValues(try runNode1("Greater", [x, y])) == [false, false, true, true, true, true])
        #expect(boolValues(try runNode1("Equal", [x, y])) == [false, true, false, false, false, false])
    }

    @Test func comparisonsWorkOnIntegersBoolsAndNaN() throws {
        #expect(boolValues(try runNode1("Greater", [int64s([-1, 5], [2]), int64s([0], [])])) == [false, true])
        #expect(boolValues(try runNode1("Less", [Tensor(elements: [UInt8(200), 3], dataType: .uint8, shape: [2]),
                                                  Tensor(elements: [UInt8(100)], dataType: .uint8, shape: [1])])) == [false, true])
        #expect(boolValues(try runNode1("Equal", [bools([true, false, true], [3]), bools([true], [1])])) == [true, false, true])
        let nan = floats([.nan], [1])
        #expect(boolValues(try runNode1("Equal", [nan, nan])) == [false])
        #expect(boolValues(try runNode1("Less", [nan, floats([1], [1])])) == [false])
    }

    @Test func orEqualComparisons() throws {
        let x = int64s([1, 2, 3], [3])
        let y = int64s([2], [])
        #expect(boolValues(try runNode1("LessOrEqual", [x, y])) == [true, true, false])
        #expect(boolValues(try runNode1("GreaterOrEqual", [x, y])) == [false, true, true])
        let nan = floats([.nan], [1])
        #expect(boolValues(try runNode1("GreaterOrEqual", [nan, nan])) == [false])
    }

    @Test func logicalOpsBroadcastBools() throws {
        let a = bools([true, true, false, false], [2, 2])
        let b = bools([true, false], [2])
        #expect(boolValues(try runNode1("And", [a, b])) == [true, false, false, false])
        #expect(boolValues(try runNode1("Or", [a, b])) == [true, true, true, false])
        #expect(boolValues(try runNode1("Xor", [a, b])) == [false, true, true, false])
        let error = engineError { _ = try runNode1("And", [a, floats([1], [1])]) }
        #expect(isUnsupported(error, "element type"))
    }

    @Test func lessOnBoolsIsUnsupported() {
        let error = engineError { _ = try runNode1("Less", [bools([true], [1]), bools([false], [1])]) }
        #expect(isUnsupported(error, "element type"))
    }

    @Test func notNegatesBools() throws {
        let result = try runNode1("Not", [bools([true, false, true, true], [2, 2])])
        #expect(result.shape == [2, 2])
        #expect(boolValues(result) == [false, true, false, false])
        let error = engineError { _ = try runNode1("Not", [floats([1], [1])]) }
        #expect(isUnsupported(error, "element type"))
    }

    @Test func whereSelectsWithThreeWayBroadcasting() throws {
        // Spec example.
        let condition = bools([true, false, true, true], [2, 2])
        let picked = try runNode1("Where", [condition, floats([1, 2, 3, 4], [2, 2]), floats([9, 8, 7, 6], [2, 2])])
        #expect(picked.elements(Float.self) == [1, 8, 3, 4])
        // Condition [2,1], x [3], y scalar: output [2,3].
        let broadcast = try runNode1("Where", [bools([true, false], [2, 1]), int64s([1, 2, 3], [3]), int64s([0], [])])
        #expect(broadcast.shape == [2, 3])
        #expect(broadcast.elements(Int64.self) == [1, 2, 3, 0, 0, 0])
        // Condition broadcast along rows, on two threads with chunk boundaries inside rows.
        let rows = 300, columns = 513
        let x = floats((0..<(rows * columns)).map(Float.init), [rows, columns])
        let mask = bools((0..<columns).map { $0 % 3 == 0 }, [columns])
        let result = try runNode1("Where", [mask, x, floats([-1], [1])], threads: 2)
        let values = result.elements(Float.self)
        #expect(values[columns * 7 + 3] == Float(columns * 7 + 3))
        #expect(values[columns * 7 + 4] == -1)
    }

    @Test func whereChecksItsInputs() {
        let notBool = engineError { _ = try runNode1("Where", [floats([1], [1]), floats([1], [1]), floats([2], [1])]) }
        #expect(isInvalidInput(notBool))
        let mixed = engineError { _ = try runNode1("Where", [bools([true], [1]), floats([1], [1]), int64s([2], [1])]) }
        #expect(isInvalidInput(mixed))
    }
}
