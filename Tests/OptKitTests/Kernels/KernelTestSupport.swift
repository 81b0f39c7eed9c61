import Testing

@testable import OptKit

/// Runs one node of `opType` through the registry, as the executor would: inputs named
/// `x0, x1, …` (nil marks an omitted optional input), outputs `y0, y1, …`.
func runNode(
    _ opType: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], outputs: Int = 1,
    opset: Int = 21, threads: Int = 1
) throws(EngineError) -> [Tensor] {
    let node = Node(
        name: "n", opType: opType,
        inputs: inputs.enumerated().map { $0.element == nil ? "" : "x\($0.offset)" },
        outputs: (0..<outputs).map { "y\($0)" }, attributes: attributes)
    let kernel = try KernelRegistry.kernel(for: node, opset: opset)
    return try kernel.run(inputs, KernelContext(threadCount: threads))
}

/// The single output of `runNode`.
func runNode1(
    _ opType: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], opset: Int = 21, threads: Int = 1
) throws(EngineError) -> Tensor {
    try runNode(opType, inputs, attributes: attributes, opset: opset, threads: threads)[0]
}

/// The error `body` throws, or nil.
func engineError(_ body: () throws(EngineError) -> Void) -> EngineError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// Whether `error` is `unsupportedAttribute` naming `attribute`.
func isUnsupported(_ error: EngineError?, _ attribute: String) -> Bool {
    if case .unsupportedAttribute(_, let name, _) = error { return name == attribute }
    return false
}

/// Whether `error` is `invalidAttribute` naming `attribute`.
func isInvalidAttribute(_ error: EngineError?, _ attribute: String) -> Bool {
    if case .invalidAttribute(_, let name, _) = error { return name == attribute }
    return false
}

func isInvalidInput(_ error: EngineError?) -> Bool {
    if case .invalidInput = error { return true }
    return false
}

func floats(_ values: [Float], _ shape: [Int]) -> Tensor { Tensor(values, shape: shape) }
func int64s(_ values: [Int64], _ shape: [Int]) -> Tensor { Tensor(values, shape: shape) }
func int32s(_ values: [Int32], _ shape: [Int]) -> Tensor { Tensor(elements: values, dataType: .int32, shape: shape) }
func bools(_ values: [Bool], _ shape: [Int]) -> Tensor {
    Tensor(elements: values.map { UInt8($0 ? 1 : 0) }, dataType: .bool, shape: shape)
}

/// Float elements of a tensor (float, or float16 widened).
func floatValues(_ tensor: Tensor) -> [Float] {
    switch tensor.dataType {
    case .float16: tensor.elements(UInt16.self).map(HalfConversion.float)
    case .double: tensor.elements(Double.self).map(Float.init)
    default: tensor.elements(Float.self)
    }
}

func boolValues(_ tensor: Tensor) -> [Bool] { tensor.elements(UInt8.self).map { $0 != 0 } }

/// Element-wise closeness at ONNX's default test tolerance; NaN matches NaN.
func isClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-3, atol: Float = 1e-7) -> Bool {
    guard actual.count == expected.count else { return false }
    return zip(actual, expected).allSatisfy { a, e in
        if a.isNaN || e.isNaN { return a.isNaN && e.isNaN }
        if a.isInfinite || e.isInfinite { return a == e }
        return Swift.abs(a - e) <= atol + rtol * Swift.abs(e)
    }
}

/// `#expect`s that `tensor` is a float tensor of `shape` close to `expected`.
func expectFloats(
    _ tensor: Tensor, _ expected: [Float], _ shape: [Int], rtol: Float = 1e-5, atol: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(tensor.shape == shape, sourceLocation: sourceLocation)
    let actual = floatValues(tensor)
    #expect(isClose(actual, expected, rtol: rtol, atol: atol), "got \(actual)", sourceLocation: sourceLocation)
}
