import Foundation
import Testing

@testable import OptKit

/// Add, Sub, Mul, Div, Pow, Min, Max, Sum on floats, integers, float16 and double.
@Suite struct ArithmeticTests {
    @Test func specExamplesOnFloats() throws {
        let x = floats([1, 2, 3], [3])
        let y = floats([4, 5, 6], [3])
        #expect(try runNode1("Add", [x, y]).elements(Float.self) == [5, 7, 9])
        #expect(try runNode1("Sub", [x, y]).elements(Float.self) == [-3, -3, -3])
        #expect(try runNode1("Mul", [x, y]).elements(Float.self) == [4, 10, 18])
        #expect(try runNode1("Div", [floats([3, 4], [2]), floats([1, 2], [2])]).elements(Float.self) == [3, 2])
        // Pow spec example: x^y and x^2 broadcast.
        #expect(try runNode1("Pow", [x, y]).elements(Float.self) == [1, 32, 729])
        #expect(try runNode1("Pow", [x, floats([2], [])]).elements(Float.self) == [1, 4, 9])
    }

    @Test func integerArithmeticFollowsNumpy() throws {
        let a = int32s([7, -7, 7, -7, 5, Int32.min], [6])
        let b = int32s([2, 2, -2, -2, 0, -1], [6])
        // Truncation toward zero; division by zero gives 0 and INT_MIN / -1 wraps, never a trap.
        #expect(try runNode1("Div", [a, b]).elements(Int32.self) == [3, -3, -3, 3, 0, Int32.min])
        // Wrapping overflow.
        let big = int64s([Int64.max], [1])
        #expect(try runNode1("Add", [big, int64s([1], [1])]).elements(Int64.self) == [Int64.min])
        let bytes = Tensor(elements: [UInt8(250), 3], dataType: .uint8, shape: [2])
        let ten = Tensor(elements: [UInt8(10), 10], dataType: .uint8, shape: [2])
        #expect(try runNode1("Add", [bytes, ten]).elements(UInt8.self) == [4, 13])
        #expect(try runNode1("Sub", [ten, bytes]).elements(UInt8.self) == [16, 7])
        #expect(try runNode1("Mul", [int64s([3, -4], [2]), int64s([5], [1])]).elements(Int64.self) == [15, -20])
    }

    @Test func powMixesTypesAsNumpyDoes() throws {
        // Float base, int exponent: the exponent converts to float.
        let base = floats([1, 2, 3], [3])
        #expect(try runNode1("Pow", [base, int64s([4, 5, 6], [3])]).elements(Float.self) == [1, 32, 729])
        #expect(try runNode1("Pow", [base, int32s([4, 5, 6], [3])]).elements(Float.self) == [1, 32, 729])
        // Int base, float exponent: computed in double, truncated back to the base type.
        let result = try runNode1("Pow", [int64s([1, 2, 3], [3]), floats([4, 0.5, 2.5], [3])])
        #expect(result.dataType == .int64)
        #expect(result.elements(Int64.self) == [1, 1, 15])
        // Int base, int exponent: exact integer power; negative exponents truncate.
        #expect(try runNode1("Pow", [int64s([2, 3, 2, -1, 1], [5]), int64s([10, 3, -1, -3, -5], [5])]).elements(Int64.self)
            == [1024, 27, 0, -1, 1])
        // The square fast path keeps the base's shape when the exponent has fewer dims.
        let square = try runNode1("Pow", [floats([-3, 0.5], [2, 1]), floats([2], [1])])
        #expect(square.shape == [2, 1])
        #expect(square.elements(Float.self) == [9, 0.25])
        // A scalar 2 of higher rank broadcasts the output up.
        #expect(try runNode1("Pow", [floats([3], [1]), floats([2], [1, 1])]).shape == [1, 1])
    }

    @Test func float16AndDoubleComputeInTheirOwnType() throws {
        let halves = Tensor(elements: [Float(1.5), 2, 65504].map(HalfConversion.halfBits), dataType: .float16, shape: [3])
        let sum = try runNode1("Add", [halves, halves])
        #expect(sum.dataType == .float16)
        #expect(floatValues(sum) == [3, 4, .infinity])
        let doubles = Tensor(elements: [0.1, 0.2], dataType: .double, shape: [2])
        #expect(try runNode1("Add", [doubles, doubles]).elements(Double.self) == [0.2, 0.4])
    }

    @Test func minMaxSumAreVariadicWithBroadcasting() throws {
        // Spec examples.
        let a = floats([3, 2, 1], [3])
        let b = floats([1, 4, 4], [3])
        let c = floats([2, 5, 0], [3])
        #expect(try runNode1("Max", [a, b, c]).elements(Float.self) == [3, 5, 4])
        #expect(try runNode1("Min", [a, b, c]).elements(Float.self) == [1, 2, 0])
        #expect(try runNode1("Sum", [a, b, c]).elements(Float.self) == [6, 11, 5])
        // One input: a copy, not an alias.
        let single = try runNode1("Sum", [a])
        #expect(single.elements(Float.self) == [3, 2, 1])
        #expect(single.storage !== a.storage)
        // Three-way broadcasting: [2,1] with [3] with [].
        let wide = try runNode1("Max", [floats([0, 10], [2, 1]), floats([1, 5, 20], [3]), floats([3], [])])
        #expect(wide.shape == [2, 3])
        #expect(wide.elements(Float.self) == [3, 5, 20, 10, 10, 20])
        // NaN propagates, as numpy's maximum/minimum do.
        let nan = try runNode1("Max", [floats([.nan, 1], [2]), floats([0, .nan], [2])])
        #expect(nan.elements(Float.self).allSatisfy { $0.isNaN })
        #expect(try runNode1("Min", [int32s([5, -1], [2]), int32s([3], [1])]).elements(Int32.self) == [3, -1])
    }

    @Test func mismatchedAndUnsupportedTypesAreErrors() {
        let mismatch = engineError { _ = try runNode1("Add", [floats([1], [1]), int64s([1], [1])]) }
        #expect(isInvalidInput(mismatch))
        let boolAdd = engineError { _ = try runNode1("Add", [bools([true], [1]), bools([true], [1])]) }
        #expect(isUnsupported(boolAdd, "element type"))
        #expect("\(boolAdd!)".contains("bool"))
        let boolSum = engineError { _ = try runNode1("Sum", [bools([true], [1])]) }
        #expect(isUnsupported(boolSum, "element type"))
        let missing = engineError { _ = try runNode1("Mul", [floats([1], [1]), nil]) }
        #expect(isInvalidInput(missing))
        let noInputs = engineError { _ = try runNode("Max", []) }
        #expect(isInvalidInput(noInputs))
    }

    @Test func largeTensorsGiveTheSameResultOnTwoThreads() throws {
        let count = 300_001
        let a = floats((0..<count).map { Float($0 % 977) * 0.25 }, [count])
        let b = floats((0..<count).map { Float($0 % 13) - 6 }, [count])
        let one = try runNode1("Div", [a, b], threads: 1)
        let two = try runNode1("Div", [a, b], threads: 2)
        let same = one.elements(Float.self).map(\.bitPattern) == two.elements(Float.self).map(\.bitPattern)
        #expect(same)
        #expect(one.elements(Float.self)[12] == 3.0 / 6.0)
    }
}
