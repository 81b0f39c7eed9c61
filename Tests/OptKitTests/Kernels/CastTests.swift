import Testing

@testable import OptKit

/// Cast between the supported element types; expected bit patterns come from numpy.
@Suite struct CastTests {
    static func cast(_ input: Tensor, to type: DataType, opset: Int = 21) throws -> Tensor {
        try runNode1("Cast", [input], attributes: ["to": .int(Int(type.rawValue))], opset: opset)
    }

    @Test func floatToFloat16RoundsToNearestEven() throws {
        let values: [Float] = [
            1 + 0x1p-11, 1 + 3 * 0x1p-11, 65519.99, 65520, 0x1p-24, 0x1p-25, 3 * 0x1p-26, -0.0, 1e-10, 0.1, -2.5e-5,
        ]
        let result = try Self.cast(floats(values, [values.count]), to: .float16)
        #expect(result.dataType == .float16)
        #expect(
            result.elements(UInt16.self)
                == [0x3c00, 0x3c02, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x0001, 0x8000, 0x0000, 0x2e66, 0x81a3])
        let nan = try Self.cast(floats([.nan, -.infinity], [2]), to: .float16).elements(UInt16.self)
        #expect(nan[0] & 0x7c00 == 0x7c00 && nan[0] & 0x03ff != 0)
        #expect(nan[1] == 0xfc00)
    }

    @Test func doubleToFloat16RoundsOnce() throws {
        // Through float this would round twice and give 0x3c00.
        let input = Tensor(elements: [1 + 0x1p-11 + 0x1p-40], dataType: .double, shape: [1])
        #expect(try Self.cast(input, to: .float16).elements(UInt16.self) == [0x3c01])
    }

    @Test func float16StorageReadsExactly() throws {
        let bits: [UInt16] = [0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x3555, 0xc000]
        let halves = Tensor(elements: bits, dataType: .float16, shape: [bits.count])
        let widened = try Self.cast(halves, to: .float)
        #expect(
            widened.elements(Float.self)
                == [5.960464477539063e-08, 6.097555160522461e-05, 6.103515625e-05, 65504, .infinity, -.infinity, 0.333251953125, -2])
        let doubles = try Self.cast(halves, to: .double)
        #expect(doubles.elements(Double.self)[6] == 0.333251953125)
        // Every finite half survives a round trip through float.
        let all = Tensor(elements: (0...UInt16.max).filter { $0 & 0x7c00 != 0x7c00 }, dataType: .float16, shape: [63488])
        let back = try Self.cast(try Self.cast(all, to: .float), to: .float16)
        #expect(back.elements(UInt16.self) == all.elements(UInt16.self))
    }

    @Test func floatToIntegerTruncatesLikeNumpy() throws {
        let values = floats([1.9, -1.9, 300, -1, 0], [5])
        #expect(try Self.cast(values, to: .int8).elements(Int8.self) == [1, -1, 44, -1, 0])
        #expect(try Self.cast(values, to: .uint8).elements(UInt8.self) == [1, 255, 44, 255, 0])
        #expect(try Self.cast(values, to: .int16).elements(Int16.self) == [1, -1, 300, -1, 0])
        #expect(try Self.cast(values, to: .int32).elements(Int32.self) == [1, -1, 300, -1, 0])
        #expect(try Self.cast(values, to: .int64).elements(Int64.self) == [1, -1, 300, -1, 0])
        // Out of range and NaN are undefined in ONNX; they give numpy's values and never trap.
        let wild = floats([.nan, 3e9, 1e20, -.infinity], [4])
        #expect(try Self.cast(wild, to: .int32).elements(Int32.self) == [Int32.min, Int32.min, Int32.min, Int32.min])
        #expect(try Self.cast(wild, to: .int64).elements(Int64.self)[1] == 3_000_000_000)
        #expect(try Self.cast(wild, to: .int8).elements(Int8.self) == [0, 0, 0, 0])
        let big = Tensor(elements: [1.5e19], dataType: .double, shape: [1])
        #expect(try Self.cast(big, to: .uint64).elements(UInt64.self) == [15_000_000_000_000_000_000])
    }

    @Test func integersBoolsAndFloatsConvert() throws {
        let ints = int64s([-1, 0, 2, 300, Int64.max], [5])
        #expect(try Self.cast(ints, to: .float).elements(Float.self) == [-1, 0, 2, 300, 9.223372e18])
        #expect(try Self.cast(ints, to: .uint8).elements(UInt8.self) == [255, 0, 2, 44, 255])
        #expect(try Self.cast(ints, to: .int32).elements(Int32.self) == [-1, 0, 2, 300, -1])
        #expect(boolValues(try Self.cast(ints, to: .bool)) == [true, false, true, true, true])
        #expect(boolValues(try Self.cast(floats([0, -0.0, 0.5, .nan], [4]), to: .bool)) == [false, false, true, true])
        let flags = bools([true, false], [2])
        #expect(try Self.cast(flags, to: .float).elements(Float.self) == [1, 0])
        #expect(try Self.cast(flags, to: .int64).elements(Int64.self) == [1, 0])
        #expect(try Self.cast(flags, to: .float16).elements(UInt16.self) == [0x3c00, 0])
        #expect(try Self.cast(int32s([70000], [1]), to: .float16).elements(UInt16.self) == [0x7c00])
        // A non-canonical bool byte still counts as true, and bool output is 0/1.
        let odd = Tensor(elements: [UInt8(7)], dataType: .bool, shape: [1])
        #expect(try Self.cast(odd, to: .int32).elements(Int32.self) == [1])
        #expect(try Self.cast(odd, to: .bool).elements(UInt8.self) == [1])
    }

    @Test func castLikeTakesTheSecondInputsType() throws {
        let result = try runNode1("CastLike", [floats([1.5, -2.5], [2]), int32s([], [0])], opset: 15)
        #expect(result.dataType == .int32)
        #expect(result.elements(Int32.self) == [1, -2])
        let unsupported = engineError { _ = try runNode1("CastLike", [floats([1], [1]), Tensor(dataType: .bfloat16, shape: [1])]) }
        #expect(isUnsupported(unsupported, "element type"))
    }

    @Test func castCopiesEvenToTheSameType() throws {
        let input = floats([1, 2], [2])
        let output = try Self.cast(input, to: .float)
        #expect(output.elements(Float.self) == [1, 2])
        #expect(output.storage !== input.storage)
    }

    @Test func unsupportedTypesFailNamingThem() {
        let toBFloat = engineError { _ = try Self.cast(floats([1], [1]), to: .bfloat16) }
        #expect(isUnsupported(toBFloat, "to"))
        #expect("\(toBFloat!)".contains("bfloat16"))
        let toInt2 = engineError { _ = try runNode1("Cast", [floats([1], [1])], attributes: ["to": .int(26)]) }
        #expect(isUnsupported(toInt2, "to"))
        let fromBFloat = engineError {
            _ = try Self.cast(Tensor(dataType: .bfloat16, shape: [1]), to: .float)
        }
        #expect(isUnsupported(fromBFloat, "element type"))
        let missing = engineError { _ = try runNode1("Cast", [floats([1], [1])]) }
        #expect(isInvalidAttribute(missing, "to"))
        let negative = engineError { _ = try runNode1("Cast", [floats([1], [1])], attributes: ["to": .int(-3)]) }
        #expect(isInvalidAttribute(negative, "to"))
    }
}
