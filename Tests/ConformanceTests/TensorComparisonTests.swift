import OptKit
import Testing

/// The harness's comparison decides what "passes conformance" means, so it is tested itself
/// against numpy's assert_allclose behaviour (the ONNX backend runner's).
@Suite("Conformance comparison")
struct TensorComparisonTests {
    let tolerance = Tolerance.onnxBackend

    @Test("values within atol + rtol * |expected| match, just beyond do not")
    func toleranceBoundary() {
        let expected = Tensor([Float(1000), 0], shape: [2])
        #expect(mismatch(actual: Tensor([Float(1000.9), 0], shape: [2]), expected: expected, tolerance: tolerance) == nil)
        let message = mismatch(actual: Tensor([Float(1001.2), 0], shape: [2]), expected: expected, tolerance: tolerance)
        #expect(message?.contains("1 of 2 elements differ") == true)
        #expect(message?.contains("first at [0]") == true)
        // Near zero only atol applies: 1e-6 is far outside 1e-7.
        #expect(mismatch(actual: Tensor([Float(1000), 1e-6], shape: [2]), expected: expected, tolerance: tolerance) != nil)
    }

    @Test("NaN equals NaN; NaN against a number and a finite value against infinity differ")
    func specialValues() {
        let expected = Tensor([Float.nan, .infinity, -.infinity], shape: [3])
        #expect(mismatch(actual: Tensor([Float.nan, .infinity, -.infinity], shape: [3]), expected: expected, tolerance: tolerance) == nil)
        #expect(mismatch(actual: Tensor([Float(0), .infinity, -.infinity], shape: [3]), expected: expected, tolerance: tolerance) != nil)
        #expect(mismatch(actual: Tensor([Float.nan, 3e38, -.infinity], shape: [3]), expected: expected, tolerance: tolerance) != nil)
        #expect(mismatch(actual: Tensor([Float.nan, .infinity, .infinity], shape: [3]), expected: expected, tolerance: tolerance) != nil)
    }

    @Test("element type and shape must match exactly")
    func typeAndShape() {
        let floats = Tensor([Float(1), 2, 3, 4], shape: [2, 2])
        #expect(mismatch(actual: floats.reshaped([4]), expected: floats, tolerance: tolerance) == "shape [4], expected [2, 2]")
        let ints = Tensor([Int64(1), 2, 3, 4], shape: [2, 2])
        #expect(mismatch(actual: ints, expected: floats, tolerance: tolerance) == "element type int64, expected float")
    }

    @Test("integers must be equal, without numpy's relative slack")
    func integersExact() {
        let expected = Tensor([Int64(10_000), -3], shape: [2])
        #expect(mismatch(actual: Tensor([Int64(10_000), -3], shape: [2]), expected: expected, tolerance: tolerance) == nil)
        let message = mismatch(actual: Tensor([Int64(10_001), -3], shape: [2]), expected: expected, tolerance: tolerance)
        #expect(message?.contains("got 10001, expected 10000") == true)
    }

    @Test("the first mismatch is located by its multi-dimensional index")
    func locatesMismatch() {
        var values = [Float](repeating: 0, count: 24)
        values[17] = 1
        let message = mismatch(
            actual: Tensor(values, shape: [2, 3, 4]), expected: Tensor([Float](repeating: 0, count: 24), shape: [2, 3, 4]),
            tolerance: tolerance)
        #expect(message?.contains("first at [1, 1, 1]") == true)
    }

    @Test("float16 elements decode exactly, including subnormals and infinities")
    func halfPrecision() {
        #expect(floatFromHalf(0x3C00) == 1)
        #expect(floatFromHalf(0xC000) == -2)
        #expect(floatFromHalf(0x7BFF) == 65504)
        #expect(floatFromHalf(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(floatFromHalf(0x7C00) == .infinity)
        #expect(floatFromHalf(0xFC00) == -.infinity)
        #expect(floatFromHalf(0x7E00).isNaN)
        #expect(floatFromHalf(0x8000).sign == .minus)
    }
}
