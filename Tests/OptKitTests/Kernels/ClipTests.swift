import Testing

@testable import OptKit

/// Clip in its opset 6 (attribute) and opset 11+ (input) forms.
@Suite struct ClipTests {
    let x = floats([-2, 0, 2], [3])

    @Test func inputBoundsFromOpset11() throws {
        // Spec example: clip(x, -1, 1).
        #expect(try runNode1("Clip", [x, floats([-1], []), floats([1], [])]).elements(Float.self) == [-1, 0, 1])
        // Only a min, only a max (the other omitted).
        #expect(try runNode1("Clip", [x, floats([0], [])]).elements(Float.self) == [0, 0, 2])
        #expect(try runNode1("Clip", [x, nil, floats([0], [])]).elements(Float.self) == [-2, 0, 0])
        // No bounds: unchanged.
        #expect(try runNode1("Clip", [x]).elements(Float.self) == [-2, 0, 2])
        // min > max: everything becomes max.
        #expect(try runNode1("Clip", [x, floats([2], []), floats([1], [])]).elements(Float.self) == [1, 1, 1])
        // NaN stays NaN.
        #expect(try runNode1("Clip", [floats([.nan], [1]), floats([0], []), floats([1], [])]).elements(Float.self)[0].isNaN)
    }

    @Test func integerClipFromOpset12() throws {
        let values = Tensor(elements: [Int8(-128), 0, 127], dataType: .int8, shape: [3])
        let low = Tensor(elements: [Int8(-5)], dataType: .int8, shape: [])
        #expect(try runNode1("Clip", [values, low]).elements(Int8.self) == [-5, 0, 127])
        #expect(try runNode1("Clip", [int64s([5, -9], [2]), int64s([-3], []), int64s([3], [])]).elements(Int64.self) == [3, -3])
    }

    @Test func attributeBoundsBeforeOpset11() throws {
        let clipped = try runNode1("Clip", [x], attributes: ["min": .float(-1), "max": .float(1)], opset: 6)
        #expect(clipped.elements(Float.self) == [-1, 0, 1])
        // Defaults are the float range: infinities clamp to it.
        let wide = try runNode1("Clip", [floats([.infinity, -.infinity], [2])], opset: 6)
        #expect(wide.elements(Float.self) == [Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude])
        let doubles = Tensor(elements: [5.0, -5.0], dataType: .double, shape: [2])
        let clippedDoubles = try runNode1("Clip", [doubles], attributes: ["max": .float(1)], opset: 6)
        #expect(clippedDoubles.elements(Double.self) == [1, -5])
    }

    @Test func badBoundsAreErrors() {
        let vector = engineError { _ = try runNode1("Clip", [x, floats([0, 1], [2])]) }
        #expect(isInvalidInput(vector))
        let mixed = engineError { _ = try runNode1("Clip", [x, int64s([0], [])]) }
        #expect(isInvalidInput(mixed))
        let boolClip = engineError { _ = try runNode1("Clip", [bools([true], [1])]) }
        #expect(isUnsupported(boolClip, "element type"))
    }
}
