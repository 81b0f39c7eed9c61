import Testing

@testable import OptKit

/// Constant, ConstantOfShape, Range, Expand, Tile and Pad.
@Suite struct GeneratorTests {
    @Test func constantForms() throws {
        let weights = floats([1, 2, 3, 4], [2, 2])
        let tensor = try runNode1("Constant", [], attributes: ["value": .tensor(weights)])
        #expect(tensor.storage === weights.storage)
        let scalar = try runNode1("Constant", [], attributes: ["value_float": .float(2.5)])
        #expect(scalar.shape == [] && scalar.elements(Float.self) == [2.5])
        let list = try runNode1("Constant", [], attributes: ["value_floats": .floats([1, 2])])
        #expect(list.shape == [2] && list.elements(Float.self) == [1, 2])
        let int = try runNode1("Constant", [], attributes: ["value_int": .int(-7)])
        #expect(int.dataType == .int64 && int.shape == [] && int.elements(Int64.self) == [-7])
        let ints = try runNode1("Constant", [], attributes: ["value_ints": .ints([3, 4, 5])])
        #expect(ints.shape == [3] && ints.elements(Int64.self) == [3, 4, 5])
    }

    @Test func constantErrors() {
        let string = engineError { _ = try runNode1("Constant", [], attributes: ["value_string": .string("a")]) }
        #expect(isUnsupported(string, "value_string"))
        let sparse = engineError { _ = try runNode1("Constant", [], attributes: ["sparse_value": .opaque(kind: "SPARSE_TENSOR")]) }
        #expect(isUnsupported(sparse, "sparse_value"))
        let none = engineError { _ = try runNode1("Constant", []) }
        #expect(isInvalidAttribute(none, "value"))
        let two = engineError { _ = try runNode1("Constant", [], attributes: ["value_int": .int(1), "value_float": .float(1)]) }
        #expect(isInvalidAttribute(two, "value"))
    }

    @Test func constantOfShape() throws {
        let zeros = try runNode1("ConstantOfShape", [int64s([2, 3], [2])])
        #expect(zeros.dataType == .float && zeros.shape == [2, 3])
        #expect(zeros.elements(Float.self) == [Float](repeating: 0, count: 6))
        let ones = try runNode1("ConstantOfShape", [int64s([4], [1])], attributes: ["value": .tensor(int32s([1], [1]))])
        #expect(ones.dataType == .int32 && ones.elements(Int32.self) == [1, 1, 1, 1])
        #expect(try runNode1("ConstantOfShape", [int64s([0, 5], [2])]).shape == [0, 5])
        #expect(try runNode1("ConstantOfShape", [int64s([], [0])]).shape == [])
        let flag = try runNode1("ConstantOfShape", [int64s([3], [1])], attributes: ["value": .tensor(bools([true], [1]))])
        #expect(boolValues(flag) == [true, true, true])
        let negative = engineError { _ = try runNode1("ConstantOfShape", [int64s([-1], [1])]) }
        #expect(isInvalidInput(negative))
        let huge = engineError { _ = try runNode1("ConstantOfShape", [int64s([1 << 30, 1 << 30], [2])]) }
        #expect(isInvalidInput(huge))
        let notScalar = engineError {
            _ = try runNode1("ConstantOfShape", [int64s([2], [1])], attributes: ["value": .tensor(floats([1, 2], [2]))])
        }
        #expect(isInvalidAttribute(notScalar, "value"))
    }

    @Test func rangeOnFloatsAndIntegers() throws {
        // Spec examples.
        let floats3 = try runNode1("Range", [floats([3], []), floats([9], []), floats([3], [])])
        #expect(floats3.elements(Float.self) == [3, 6])
        let down = try runNode1("Range", [int32s([10], []), int32s([4], []), int32s([-3], [])])
        #expect(down.dataType == .int32 && down.elements(Int32.self) == [10, 7])
        #expect(try runNode1("Range", [int64s([0], []), int64s([5], []), int64s([1], [])]).elements(Int64.self) == [0, 1, 2, 3, 4])
        #expect(try runNode1("Range", [int64s([5], []), int64s([0], []), int64s([1], [])]).shape == [0])
        let fractional = try runNode1("Range", [floats([0], []), floats([1], []), floats([0.3], [])])
        expectFloats(fractional, [0, 0.3, 0.6, 0.9], [4])
        let halves = [Float(1), 5, 2].map { Tensor(elements: [HalfConversion.halfBits($0)], dataType: .float16, shape: []) }
        #expect(floatValues(try runNode1("Range", halves)) == [1, 3])
        let zero = engineError { _ = try runNode1("Range", [floats([0], []), floats([1], []), floats([0], [])]) }
        #expect(isInvalidInput(zero))
        let endless = engineError { _ = try runNode1("Range", [floats([0], []), floats([.infinity], []), floats([1], [])]) }
        #expect(isInvalidInput(endless))
        let huge = engineError { _ = try runNode1("Range", [int64s([Int64.min], []), int64s([Int64.max], []), int64s([1], [])]) }
        #expect(isInvalidInput(huge))
        let mixed = engineError { _ = try runNode1("Range", [floats([0], []), int64s([1], []), floats([1], [])]) }
        #expect(isInvalidInput(mixed))
    }

    @Test func expandBroadcastsBothWays() throws {
        // Spec examples: [3,1] to [2,1,6] and to [3,4].
        let column = floats([1, 2, 3], [3, 1])
        let grown = try runNode1("Expand", [column, int64s([2, 1, 6], [3])])
        #expect(grown.shape == [2, 3, 6])
        #expect(grown.elements(Float.self).prefix(7) == [1, 1, 1, 1, 1, 1, 2])
        let same = try runNode1("Expand", [column, int64s([3, 4], [2])])
        #expect(same.elements(Float.self) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        // A 1 in the shape keeps the input's dim.
        #expect(try runNode1("Expand", [floats([1, 2], [1, 2]), int64s([3, 1], [2])]).shape == [3, 2])
        let bad = engineError { _ = try runNode1("Expand", [column, int64s([2, 2], [2])]) }
        #expect(isInvalidInput(bad))
        let negative = engineError { _ = try runNode1("Expand", [column, int64s([-1, 1], [2])]) }
        #expect(isInvalidInput(negative))
    }

    @Test func tileRepeatsEachAxis() throws {
        let input = floats([1, 2, 3, 4], [2, 2])
        let tiled = try runNode1("Tile", [input, int64s([2, 3], [2])])
        #expect(tiled.shape == [4, 6])
        #expect(tiled.elements(Float.self).prefix(12) == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        #expect(tiled.elements(Float.self).suffix(6) == [3, 4, 3, 4, 3, 4])
        #expect(try runNode1("Tile", [input, int64s([0, 1], [2])]).shape == [0, 2])
        let length = engineError { _ = try runNode1("Tile", [input, int64s([2], [1])]) }
        #expect(isInvalidInput(length))
    }

    static let padInput = floats((1...12).map(Float.init), [3, 4])

    static func pad(_ mode: String, _ pads: [Int64], constant: Float? = nil, axes: [Int64]? = nil, opset: Int = 19) throws -> Tensor {
        var inputs: [Tensor?] = [padInput, int64s(pads, [pads.count]), constant.map { floats([$0], []) }]
        if let axes { inputs.append(int64s(axes, [axes.count])) }
        return try runNode1("Pad", inputs, attributes: ["mode": .string(mode)], opset: opset)
    }

    @Test func padModesMatchNumpy() throws {
        let reflect = try Self.pad("reflect", [1, 2, 1, 3])
        #expect(reflect.shape == [5, 9])
        #expect(reflect.elements(Float.self).prefix(18) == [7, 6, 5, 6, 7, 8, 7, 6, 5, 3, 2, 1, 2, 3, 4, 3, 2, 1])
        let edge = try Self.pad("edge", [0, 2, 1, 0])
        #expect(edge.elements(Float.self) == [1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 7, 8, 9, 9, 9, 10, 11, 12, 9, 9, 9, 10, 11, 12])
        let wrap = try Self.pad("wrap", [1, 1, 0, 2])
        #expect(wrap.elements(Float.self).prefix(14) == [12, 9, 10, 11, 12, 9, 10, 4, 1, 2, 3, 4, 1, 2])
        let constant = try Self.pad("constant", [0, 1, 0, 1], constant: 9)
        #expect(constant.elements(Float.self) == [9, 1, 2, 3, 4, 9, 9, 5, 6, 7, 8, 9, 9, 9, 10, 11, 12, 9])
        // Reflection wider than the axis keeps folding (numpy's behaviour).
        let line = try runNode1("Pad", [floats([1, 2, 3], [3]), int64s([5, 4], [2])], attributes: ["mode": .string("reflect")])
        #expect(line.elements(Float.self) == [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3])
    }

    @Test func negativePadsCropAndAxesSelect() throws {
        let cropped = try Self.pad("constant", [-1, -1, 0, -1])
        #expect(cropped.shape == [2, 2])
        #expect(cropped.elements(Float.self) == [6, 7, 10, 11])
        // Opset 18 axes input: pad only the last axis.
        let columns = try Self.pad("constant", [1, 1], constant: 0, axes: [-1], opset: 18)
        #expect(columns.shape == [3, 6])
        #expect(columns.elements(Float.self).prefix(6) == [0, 1, 2, 3, 4, 0])
        // Opset 2 attribute form.
        let old = try runNode1("Pad", [Self.padInput], attributes: ["pads": .ints([1, 0, 0, 0]), "value": .float(-1)], opset: 2)
        #expect(old.shape == [4, 4])
        #expect(old.elements(Float.self).prefix(5) == [-1, -1, -1, -1, 1])
        // Integer tensors and large inputs on two threads.
        let ints = try runNode1("Pad", [int64s([1, 2], [1, 2]), int64s([1, 1, 1, 1], [4]), int64s([7], [])])
        #expect(ints.elements(Int64.self) == [7, 7, 7, 7, 7, 1, 2, 7, 7, 7, 7, 7])
        let image = floats((0..<(64 * 300)).map(Float.init), [64, 300])
        let padded = try runNode1("Pad", [image, int64s([2, 3, 2, 3], [4])], attributes: ["mode": .string("edge")], threads: 2)
        #expect(padded.shape == [68, 306])
        #expect(padded.elements(Float.self)[306 * 67 + 305] == Float(64 * 300 - 1))
    }

    @Test func padErrors() {
        let mode = engineError { _ = try Self.pad("mirror", [0, 0, 0, 0]) }
        #expect(isInvalidAttribute(mode, "mode"))
        let wrapBefore19 = engineError { _ = try Self.pad("wrap", [0, 0, 0, 0], opset: 18) }
        #expect(isInvalidAttribute(wrapBefore19, "mode"))
        let count = engineError { _ = try Self.pad("constant", [1, 1]) }
        #expect(isInvalidInput(count))
        let tooNegative = engineError { _ = try Self.pad("constant", [-4, 0, 0, 0]) }
        #expect(isInvalidInput(tooNegative))
        let emptyReflect = engineError {
            _ = try runNode1("Pad", [floats([], [0]), int64s([1, 1], [2])], attributes: ["mode": .string("reflect")])
        }
        #expect(isInvalidInput(emptyReflect))
        let huge = engineError { _ = try Self.pad("constant", [0, 0, 1 << 40, 0]) }
        #expect(isInvalidInput(huge))
        let wrongConstant = engineError { _ = try runNode1("Pad", [Self.padInput, int64s([0, 0, 0, 0], [4]), int64s([1], [])]) }
        #expect(isInvalidInput(wrongConstant))
    }
}
