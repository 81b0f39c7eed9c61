import Foundation
import Testing

@testable import OptKit

/// Softmax and LogSoftmax in their pre-13 (coerce to 2-D) and 13+ (single axis) forms.
@Suite struct SoftmaxTests {
    /// Softmax of `values` (shape `shape`) over the block `outer x length x inner`, in double.
    static func reference(_ values: [Float], outer: Int, length: Int, inner: Int, log: Bool) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for o in 0..<outer {
            for j in 0..<inner {
                let indices = (0..<length).map { (o * length + $0) * inner + j }
                let peak = indices.map { Double(values[$0]) }.max()!
                let total = indices.map { Foundation.exp(Double(values[$0]) - peak) }.reduce(0, +)
                for i in indices {
                    let shifted = Double(values[i]) - peak
                    result[i] = Float(log ? shifted - Foundation.log(total) : Foundation.exp(shifted) / total)
                }
            }
        }
        return result
    }

    static let cube = (0..<60).map { Float(($0 * 37) % 23) * 0.3 - 3 }

    @Test func specExample() throws {
        let x = floats([-1, 0, 1], [1, 3])
        expectFloats(try runNode1("Softmax", [x]), [0.09003057, 0.24472847, 0.66524096], [1, 3])
        expectFloats(try runNode1("LogSoftmax", [x]), [-2.4076061, -1.4076061, -0.40760604], [1, 3])
        // Large inputs do not overflow.
        let large = floats([10000, 10001, 10002], [1, 3])
        expectFloats(try runNode1("Softmax", [large]), [0.09003057, 0.24472847, 0.66524096], [1, 3])
    }

    @Test(arguments: [0, 1, 2, -1, -2])
    func singleAxisFromOpset13(axis: Int) throws {
        let shape = [3, 4, 5]
        let normalized = axis < 0 ? axis + 3 : axis
        let outer = shape[..<normalized].reduce(1, *)
        let inner = shape[(normalized + 1)...].reduce(1, *)
        for log in [false, true] {
            let result = try runNode1(log ? "LogSoftmax" : "Softmax", [floats(Self.cube, shape)], attributes: ["axis": .int(axis)], opset: 13)
            let expected = Self.reference(Self.cube, outer: outer, length: shape[normalized], inner: inner, log: log)
            expectFloats(result, expected, shape, rtol: 1e-5, atol: 1e-6)
        }
    }

    @Test func opset11CoercesTo2D() throws {
        // axis 1 on [3, 4, 5]: normalize each row of 20, unlike opset 13's axis 1.
        let input = floats(Self.cube, [3, 4, 5])
        let old = try runNode1("Softmax", [input], attributes: ["axis": .int(1)], opset: 11)
        expectFloats(old, Self.reference(Self.cube, outer: 3, length: 20, inner: 1, log: false), [3, 4, 5])
        let new = try runNode1("Softmax", [input], attributes: ["axis": .int(1)], opset: 13)
        expectFloats(new, Self.reference(Self.cube, outer: 3, length: 4, inner: 5, log: false), [3, 4, 5])
        // Default axis: 1 before 13, -1 from 13.
        expectFloats(try runNode1("LogSoftmax", [input], opset: 12), Self.reference(Self.cube, outer: 3, length: 20, inner: 1, log: true), [3, 4, 5])
        expectFloats(try runNode1("LogSoftmax", [input], opset: 13), Self.reference(Self.cube, outer: 12, length: 5, inner: 1, log: true), [3, 4, 5])
    }

    @Test func rowsSplitAcrossThreadsAndOtherTypes() throws {
        let values = (0..<(64 * 1000)).map { Float($0 % 97) * 0.05 }
        let input = floats(values, [64, 1000])
        let one = try runNode1("Softmax", [input], threads: 1).elements(Float.self)
        let two = try runNode1("Softmax", [input], threads: 2).elements(Float.self)
        #expect(one == two)
        expectFloats(try runNode1("Softmax", [input]), Self.reference(values, outer: 64, length: 1000, inner: 1, log: false), [64, 1000])
        let doubles = Tensor(elements: [-1.0, 0, 1], dataType: .double, shape: [3])
        let softDouble = try runNode1("Softmax", [doubles]).elements(Double.self)
        #expect(abs(softDouble[2] - 0.6652409557748219) < 1e-12)
        let halves = Tensor(elements: [Float(-1), 0, 1].map(HalfConversion.halfBits), dataType: .float16, shape: [3])
        expectFloats(try runNode1("Softmax", [halves]), [0.09003057, 0.24472847, 0.66524096], [3], rtol: 1e-3)
    }

    @Test func badAxisAndTypeAreErrors() {
        let axis = engineError { _ = try runNode1("Softmax", [floats([1, 2], [2])], attributes: ["axis": .int(1)]) }
        #expect(isInvalidAttribute(axis, "axis"))
        let ints = engineError { _ = try runNode1("Softmax", [int64s([1, 2], [2])]) }
        #expect(isUnsupported(ints, "element type"))
    }
}
