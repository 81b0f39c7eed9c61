import Testing

@testable import OptKit

/// Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout: views over the input's storage.
@Suite struct ViewTests {
    static let input = floats((0..<24).map(Float.init), [2, 3, 4])

    static func reshape(_ shape: [Int64], allowZero: Bool = false, input: Tensor = input) throws -> Tensor {
        try runNode1(
            "Reshape", [input, int64s(shape, [shape.count])], attributes: allowZero ? ["allowzero": .int(1)] : [:], opset: 14)
    }

    @Test func reshapeResolvesZeroAndMinusOne() throws {
        // ONNX's reshape cases.
        #expect(try Self.reshape([4, 2, 3]).shape == [4, 2, 3])
        #expect(try Self.reshape([2, 12]).shape == [2, 12])
        #expect(try Self.reshape([2, -1, 2]).shape == [2, 6, 2])
        #expect(try Self.reshape([-1, 2, 3, 4]).shape == [1, 2, 3, 4])
        #expect(try Self.reshape([2, 0, 4, 1]).shape == [2, 3, 4, 1])
        #expect(try Self.reshape([2, 0, 1, -1]).shape == [2, 3, 1, 4])
        #expect(try Self.reshape([-1]).shape == [24])
        // The result shares the input's storage.
        let view = try Self.reshape([6, 4])
        #expect(view.storage === Self.input.storage)
        #expect(view.elements(Float.self) == Self.input.elements(Float.self))
    }

    @Test func reshapeAllowZeroKeepsZeroDims() throws {
        let empty = floats([], [0, 3, 4])
        #expect(try Self.reshape([3, 4, 0], allowZero: true, input: empty).shape == [3, 4, 0])
        // Without allowzero the 0 copies the input dim.
        #expect(try Self.reshape([0, 12], input: empty).shape == [0, 12])
        // Before opset 14 the attribute does not exist: 0 copies.
        let old = try runNode1("Reshape", [Self.input, int64s([0, 12], [2])], attributes: ["allowzero": .int(1)], opset: 13)
        #expect(old.shape == [2, 12])
    }

    @Test func reshapeErrors() {
        for shape: [Int64] in [[5, -1], [-1, -1], [7, 3], [2, 3, 4, 0, 0], [-2, 12]] {
            let error = engineError { _ = try Self.reshape(shape) }
            #expect(isInvalidInput(error), "\(shape)")
        }
        let both = engineError { _ = try Self.reshape([0, -1], allowZero: true) }
        #expect(isInvalidInput(both))
        let overflow = engineError { _ = try Self.reshape([Int64.max, 4, -1]) }
        #expect(isInvalidInput(overflow))
    }

    @Test func flattenAtEveryAxis() throws {
        let expected: [Int: [Int]] = [0: [1, 24], 1: [2, 12], 2: [6, 4], 3: [24, 1], -1: [6, 4], -3: [1, 24]]
        for (axis, shape) in expected {
            let result = try runNode1("Flatten", [Self.input], attributes: ["axis": .int(axis)])
            #expect(result.shape == shape, "axis \(axis)")
            #expect(result.storage === Self.input.storage)
        }
        #expect(try runNode1("Flatten", [Self.input]).shape == [2, 12])
        let error = engineError { _ = try runNode1("Flatten", [Self.input], attributes: ["axis": .int(4)]) }
        #expect(isInvalidAttribute(error, "axis"))
    }

    @Test func squeezeAxesFromAttributeOrInput() throws {
        let padded = floats((0..<6).map(Float.init), [1, 3, 1, 2])
        #expect(try runNode1("Squeeze", [padded], opset: 11).shape == [3, 2])
        #expect(try runNode1("Squeeze", [padded], attributes: ["axes": .ints([-2])], opset: 11).shape == [1, 3, 2])
        #expect(try runNode1("Squeeze", [padded, int64s([0], [1])], opset: 13).shape == [3, 1, 2])
        #expect(try runNode1("Squeeze", [padded], opset: 13).shape == [3, 2])
        let squeezed = try runNode1("Squeeze", [padded, int64s([0, 2], [2])], opset: 21)
        #expect(squeezed.shape == [3, 2])
        #expect(squeezed.storage === padded.storage)
        let notOne = engineError { _ = try runNode1("Squeeze", [padded, int64s([1], [1])], opset: 13) }
        #expect(isInvalidInput(notOne))
        let range = engineError { _ = try runNode1("Squeeze", [padded], attributes: ["axes": .ints([4])], opset: 11) }
        #expect(isInvalidAttribute(range, "axes"))
    }

    @Test func unsqueezeAxesFromAttributeOrInput() throws {
        let matrix = floats((0..<6).map(Float.init), [2, 3])
        #expect(try runNode1("Unsqueeze", [matrix], attributes: ["axes": .ints([0])], opset: 11).shape == [1, 2, 3])
        #expect(try runNode1("Unsqueeze", [matrix, int64s([1, 3], [2])], opset: 13).shape == [2, 1, 3, 1])
        #expect(try runNode1("Unsqueeze", [matrix, int64s([-1], [1])], opset: 13).shape == [2, 3, 1])
        // Unsorted axes, as in ONNX's test_unsqueeze_unsorted_axes.
        #expect(try runNode1("Unsqueeze", [matrix, int64s([3, 0], [2])], opset: 13).shape == [1, 2, 3, 1])
        let scalar = try runNode1("Unsqueeze", [floats([5], []), int64s([0], [1])], opset: 13)
        #expect(scalar.shape == [1])
        let missing = engineError { _ = try runNode1("Unsqueeze", [matrix], opset: 11) }
        #expect(isInvalidAttribute(missing, "axes"))
        let twice = engineError { _ = try runNode1("Unsqueeze", [matrix, int64s([0, 0], [2])], opset: 13) }
        #expect(isInvalidInput(twice))
        let noAxesInput = engineError { _ = try runNode1("Unsqueeze", [matrix], opset: 13) }
        #expect(isInvalidInput(noAxesInput))
    }

    @Test func identityAndDropoutReturnTheInput() throws {
        let identity = try runNode1("Identity", [Self.input])
        #expect(identity.storage === Self.input.storage)
        let dropout = try runNode("Dropout", [Self.input, floats([0.5], [])], outputs: 2, opset: 13)
        #expect(dropout[0].storage === Self.input.storage)
        #expect(dropout[1].dataType == .bool)
        #expect(dropout[1].shape == [2, 3, 4])
        #expect(boolValues(dropout[1]).allSatisfy { $0 })
        // Opset 11: ratio attribute, ignored in inference.
        let old = try runNode1("Dropout", [Self.input], attributes: ["ratio": .float(0.2)], opset: 11)
        #expect(old.elements(Float.self) == Self.input.elements(Float.self))
        // Opset 7: the mask has the input's type.
        let mask = try runNode("Dropout", [Self.input], outputs: 2, opset: 7)[1]
        #expect(mask.dataType == .float)
        #expect(mask.elements(Float.self).allSatisfy { $0 == 1 })
    }

    @Test func trainingModeDropoutIsUnsupportedUnlessRatioIsZero() throws {
        let training = bools([true], [])
        let error = engineError { _ = try runNode1("Dropout", [Self.input, floats([0.5], []), training], opset: 13) }
        #expect(isUnsupported(error, "training_mode"))
        let defaultRatio = engineError { _ = try runNode1("Dropout", [Self.input, nil, training], opset: 13) }
        #expect(isUnsupported(defaultRatio, "training_mode"))
        let zero = try runNode1("Dropout", [Self.input, floats([0], []), training], opset: 13)
        #expect(zero.elements(Float.self) == Self.input.elements(Float.self))
        let off = try runNode1("Dropout", [Self.input, floats([0.5], []), bools([false], [])], opset: 13)
        #expect(off.storage === Self.input.storage)
    }
}
