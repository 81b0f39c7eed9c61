import Foundation
import Testing

@testable import OptKit

/// Sqrt, Exp, Log, Neg, Abs, Reciprocal, Erf, Tanh, Relu and the activations.
@Suite struct UnaryTests {
    static let inputs: [Float] = [-4, -1.5, -0.5, -0.001, 0, 0.001, 0.5, 1.5, 4]

    /// Runs `op` on `inputs` and checks it against `reference` in double precision.
    static func check(
        _ op: String, _ reference: (Double) -> Double, inputs: [Float] = inputs, attributes: [String: AttributeValue] = [:],
        opset: Int = 21, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try runNode1(op, [floats(inputs, [inputs.count])], attributes: attributes, opset: opset)
        let expected = inputs.map { Float(reference(Double($0))) }
        expectFloats(result, expected, [inputs.count], rtol: 1e-6, atol: 1e-7, sourceLocation: sourceLocation)
    }

    @Test func mathFunctionsMatchLibm() throws {
        let positive: [Float] = [0.001, 0.5, 1, 2, 1000]
        try Self.check("Sqrt", { $0.squareRoot() }, inputs: positive)
        try Self.check("Log", Foundation.log, inputs: positive)
        try Self.check("Exp", Foundation.exp)
        try Self.check("Erf", Foundation.erf)
        try Self.check("Tanh", Foundation.tanh)
        try Self.check("Reciprocal", { 1 / $0 }, inputs: positive)
        try Self.check("Neg", { -$0 })
        try Self.check("Abs", { abs($0) })
        try Self.check("Relu", { max($0, 0) })
        try Self.check("Sigmoid", { 1 / (1 + Foundation.exp(-$0)) })
    }

    @Test func activationsMatchTheirDefinitions() throws {
        try Self.check("LeakyRelu", { $0 < 0 ? 0.01 * $0 : $0 })
        try Self.check("LeakyRelu", { $0 < 0 ? 0.1 * $0 : $0 }, attributes: ["alpha": .float(0.1)])
        try Self.check("Elu", { $0 < 0 ? Foundation.exp($0) - 1 : $0 })
        try Self.check("Elu", { $0 < 0 ? 2 * (Foundation.exp($0) - 1) : $0 }, attributes: ["alpha": .float(2)])
        let alpha = 1.67326319217681884765625, gamma = 1.05070102214813232421875
        try Self.check("Selu", { gamma * ($0 > 0 ? $0 : alpha * Foundation.exp($0) - alpha) })
        try Self.check("Selu", { 3 * ($0 > 0 ? $0 : 2 * Foundation.exp($0) - 2) }, attributes: ["alpha": .float(2), "gamma": .float(3)])
        try Self.check("HardSigmoid", { max(0, min(1, 0.2 * $0 + 0.5)) })
        try Self.check(
            "HardSigmoid", { max(0, min(1, 0.5 * $0 + 0.6)) }, attributes: ["alpha": .float(0.5), "beta": .float(0.6)])
        try Self.check("HardSwish", { $0 * max(0, min(1, $0 / 6 + 0.5)) })
        try Self.check("Gelu", { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) })
        let tanhForm: (Double) -> Double = {
            0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
        }
        try Self.check("Gelu", tanhForm, attributes: ["approximate": .string("tanh")])
        // Exporters emit Gelu in older opsets too.
        try Self.check("Gelu", { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, opset: 13)
    }

    @Test func specExamples() throws {
        // LeakyRelu, HardSigmoid and Selu examples from the operator docs.
        expectFloats(try runNode1("LeakyRelu", [floats([-1, 0, 1], [3])], attributes: ["alpha": .float(0.1)]), [-0.1, 0, 1], [3])
        expectFloats(
            try runNode1("HardSigmoid", [floats([-1, 0, 1], [3])], attributes: ["alpha": .float(0.5), "beta": .float(0.6)]),
            [0.1, 0.6, 1], [3])
        expectFloats(
            try runNode1("Selu", [floats([-1, 0, 1], [3])], attributes: ["alpha": .float(2), "gamma": .float(3)]),
            [-3.79272318, 0, 3], [3])
        expectFloats(try runNode1("Elu", [floats([-1, 0, 1], [3])], attributes: ["alpha": .float(2)]), [-1.2642411, 0, 1], [3])
        expectFloats(try runNode1("Gelu", [floats([-1, 0, 1], [3])]), [-0.15865526, 0, 0.8413447], [3])
        expectFloats(
            try runNode1("Gelu", [floats([-1, 0, 1], [3])], attributes: ["approximate": .string("tanh")]),
            [-0.15880796, 0, 0.841192], [3])
    }

    @Test func geluKeepsRelativeAccuracyForNegativeInputs() throws {
        // 1 + erf(x) and 1 + tanh(y) cancel for negative x; the tiny outputs must still be right.
        let inputs: [Float] = [-3, -5, -8, -12]
        let exact = try runNode1("Gelu", [floats(inputs, [4])])
        let expected = inputs.map { Float(0.5 * Double($0) * Foundation.erfc(-Double($0) / 2.0.squareRoot())) }
        expectFloats(exact, expected, [4], rtol: 2e-5, atol: 0)
        let approximate = try runNode1("Gelu", [floats(inputs, [4])], attributes: ["approximate": .string("tanh")])
        let expectedTanh = inputs.map { (value: Float) -> Float in
            let x = Double(value)
            return Float(x / (1 + Foundation.exp(-2 * (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))))
        }
        expectFloats(approximate, expectedTanh, [4], rtol: 2e-5, atol: 0)
    }

    @Test func integerNegAbsRelu() throws {
        let values = int32s([-5, 0, 7, Int32.min], [4])
        #expect(try runNode1("Neg", [values]).elements(Int32.self) == [5, 0, -7, Int32.min])
        #expect(try runNode1("Abs", [values]).elements(Int32.self) == [5, 0, 7, Int32.min])
        #expect(try runNode1("Relu", [values]).elements(Int32.self) == [0, 0, 7, 0])
        #expect(try runNode1("Abs", [Tensor(elements: [Int8(-128), -3], dataType: .int8, shape: [2])]).elements(Int8.self) == [-128, 3])
        #expect(try runNode1("Relu", [floats([.nan, -1], [2])]).elements(Float.self)[0].isNaN)
    }

    @Test func doubleAndFloat16Inputs() throws {
        let doubles = Tensor(elements: [0.5, -2.0], dataType: .double, shape: [2])
        let exp = try runNode1("Exp", [doubles])
        #expect(exp.dataType == .double)
        #expect(exp.elements(Double.self) == [Foundation.exp(0.5), Foundation.exp(-2.0)])
        let halves = Tensor(elements: [Float(0.5), -2].map(HalfConversion.halfBits), dataType: .float16, shape: [2])
        let tanh = try runNode1("Tanh", [halves])
        #expect(tanh.dataType == .float16)
        expectFloats(tanh, [0.46216, -0.96403], [2], rtol: 1e-3)
    }

    @Test func largeTensorOnTwoThreadsMatchesOneThread() throws {
        let count = 100_003
        let input = floats((0..<count).map { Float($0 - 50_000) * 0.0003 }, [count])
        for op in ["Exp", "Tanh", "Erf", "Sigmoid", "Gelu", "Relu"] {
            let one = try runNode1(op, [input], threads: 1).elements(Float.self)
            let two = try runNode1(op, [input], threads: 2).elements(Float.self)
            #expect(one == two, "\(op)")
        }
    }

    @Test func unsupportedTypesAndAttributesAreErrors() {
        let intExp = engineError { _ = try runNode1("Exp", [int64s([1], [1])]) }
        #expect(isUnsupported(intExp, "element type"))
        #expect("\(intExp!)".contains("int64"))
        let boolNeg = engineError { _ = try runNode1("Neg", [bools([true], [1])]) }
        #expect(isUnsupported(boolNeg, "element type"))
        let gelu = engineError { _ = try runNode1("Gelu", [floats([1], [1])], attributes: ["approximate": .string("fast")]) }
        #expect(isInvalidAttribute(gelu, "approximate"))
        let alpha = engineError { _ = try runNode1("LeakyRelu", [floats([1], [1])], attributes: ["alpha": .string("x")]) }
        #expect(isInvalidAttribute(alpha, "alpha"))
    }
}
