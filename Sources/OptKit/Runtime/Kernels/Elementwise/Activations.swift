import Foundation

/// Activation functions on floating-point tensors. Attributes (alpha, beta, gamma, approximate)
/// are read when the model is prepared; their defaults are the ONNX ones.

struct SigmoidFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.sigmoid(x) }
    func callAsFunction(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
}

/// `x >= 0 ? x : alpha * x`.
struct LeakyReluFunction: FloatFunction {
    let alpha: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x < 0 ? alpha * x : x }
    func callAsFunction(_ x: Double) -> Double { x < 0 ? Double(alpha) * x : x }
}

/// `x >= 0 ? x : alpha * (exp(x) - 1)`.
struct EluFunction: FloatFunction {
    let alpha: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x < 0 ? alpha * (FastMath.exp(x) - 1) : x }
    func callAsFunction(_ x: Double) -> Double { x < 0 ? Double(alpha) * Foundation.expm1(x) : x }
}

/// `gamma * (x > 0 ? x : alpha * exp(x) - alpha)`.
struct SeluFunction: FloatFunction {
    let alpha: Float
    let gamma: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        gamma * (x > 0 ? x : alpha * FastMath.exp(x) - alpha)
    }
    func callAsFunction(_ x: Double) -> Double {
        Double(gamma) * (x > 0 ? x : Double(alpha) * Foundation.exp(x) - Double(alpha))
    }
}

/// `max(0, min(1, alpha * x + beta))`; NaN stays NaN.
struct HardSigmoidFunction: FloatFunction {
    let alpha: Float
    let beta: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        let y = alpha * x + beta
        return y < 0 ? 0 : (y > 1 ? 1 : y)
    }
    func callAsFunction(_ x: Double) -> Double {
        let y = Double(alpha) * x + Double(beta)
        return y < 0 ? 0 : (y > 1 ? 1 : y)
    }
}

/// `x * max(0, min(1, x / 6 + 1 / 2))`.
struct HardSwishFunction: FloatFunction {
    private let hardSigmoid = HardSigmoidFunction(alpha: 1.0 / 6.0, beta: 0.5)
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * hardSigmoid(x) }
    func callAsFunction(_ x: Double) -> Double { x * hardSigmoid(x) }
}

/// `x / 2 * (1 + erf(x / sqrt(2)))`.
struct GeluFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.erf(x * 0.707_106_77))
    }
    func callAsFunction(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.erf(x * 0.5.squareRoot())) }
}

/// `x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))`, Gelu's `approximate = "tanh"`.
struct GeluTanhFunction: FloatFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.tanh(0.797_884_56 * (x + 0.044_715 * x * x * x)))
    }
    func callAsFunction(_ x: Double) -> Double {
        0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044_715 * x * x * x)))
    }
}

/// Gelu (opset 20). Older models that use it in the default domain get the same kernel.
private func geluKernel(_ node: Node) throws(EngineError) -> any Kernel {
    let name = node.displayName
    switch try node.stringAttribute("approximate", default: "none") {
    case "none": return FloatFunctionKernel(node: name, opType: "Gelu", function: GeluFunction(), cost: .costly)
    case "tanh": return FloatFunctionKernel(node: name, opType: "Gelu", function: GeluTanhFunction(), cost: .costly)
    case let other:
        throw .invalidAttribute(node: name, attribute: "approximate", message: "must be \"none\" or \"tanh\", got \"\(other)\"")
    }
}

/// Sigmoid, LeakyRelu, Elu, Selu, HardSigmoid, HardSwish and Gelu.
let activationKernelFactories: [String: KernelFactory] = [
    "Sigmoid": { node, _ in
        FloatFunctionKernel(node: node.displayName, opType: "Sigmoid", function: SigmoidFunction(), cost: .costly)
    },
    "LeakyRelu": { node, _ throws(EngineError) in
        let function = LeakyReluFunction(alpha: try node.floatAttribute("alpha", default: 0.01))
        return FloatFunctionKernel(node: node.displayName, opType: "LeakyRelu", function: function, cost: .cheap)
    },
    "Elu": { node, _ throws(EngineError) in
        let function = EluFunction(alpha: try node.floatAttribute("alpha", default: 1))
        return FloatFunctionKernel(node: node.displayName, opType: "Elu", function: function, cost: .costly)
    },
    "Selu": { node, _ throws(EngineError) in
        let function = SeluFunction(
            alpha: try node.floatAttribute("alpha", default: 1.673_263_192_176_818_847_656_25),
            gamma: try node.floatAttribute("gamma", default: 1.050_701_022_148_132_324_218_75))
        return FloatFunctionKernel(node: node.displayName, opType: "Selu", function: function, cost: .costly)
    },
    "HardSigmoid": { node, _ throws(EngineError) in
        let function = HardSigmoidFunction(
            alpha: try node.floatAttribute("alpha", default: 0.2), beta: try node.floatAttribute("beta", default: 0.5))
        return FloatFunctionKernel(node: node.displayName, opType: "HardSigmoid", function: function, cost: .cheap)
    },
    "HardSwish": { node, _ in
        FloatFunctionKernel(node: node.displayName, opType: "HardSwish", function: HardSwishFunction(), cost: .cheap)
    },
    "Gelu": { node, _ throws(EngineError) in try geluKernel(node) },
]
