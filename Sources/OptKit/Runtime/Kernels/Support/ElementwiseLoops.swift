/// The loops behind every element-wise kernel. The element function is a generic value (not a
/// closure), so each kernel's loop is specialized for its function and element type and the
/// compiler can vectorize it.

/// A function of two elements, for example `a + b` on floats or `a < b` giving a bool byte.
protocol BinaryElementFunction: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    func callAsFunction(_ a: Input, _ b: Input) -> Output
}

/// A function of one element.
protocol UnaryElementFunction: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    func callAsFunction(_ x: Input) -> Output
}

/// `f(a, b)` with multidirectional broadcasting into a new tensor of `outputType`, whose
/// elements must be stored as `F.Output`.
func broadcastBinary<F: BinaryElementFunction>(
    _ f: F, _ a: Tensor, _ b: Tensor, outputType: DataType, node: String, context: KernelContext,
    minChunk: Int = cheapElementwiseChunk
) throws(EngineError) -> Tensor {
    let plan = try BroadcastPlan([a.shape, b.shape], node: node)
    let output = context.allocate(outputType, plan.outputShape)
    let strideA = plan.innerStride(0)
    let strideB = plan.innerStride(1)
    plan.parallelRuns(context, minChunk: minChunk) { position, offsets, length in
        let pa = UnsafePointer(a.pointer(F.Input.self) + offsets[0])
        let pb = UnsafePointer(b.pointer(F.Input.self) + offsets[1])
        let po = output.pointer(F.Output.self) + position
        if strideA == 1 && strideB == 1 {
            for i in 0..<length { po[i] = f(pa[i], pb[i]) }
        } else if strideA == 1 {
            let scalar = pb[0]
            for i in 0..<length { po[i] = f(pa[i], scalar) }
        } else {
            let scalar = pa[0]
            for i in 0..<length { po[i] = f(scalar, pb[i]) }
        }
    }
    return output
}

/// `f(x)` for every element of `input` into a new tensor of `outputType`.
func mapElements<F: UnaryElementFunction>(
    _ f: F, _ input: Tensor, outputType: DataType, context: KernelContext, minChunk: Int = cheapElementwiseChunk
) -> Tensor {
    let output = context.allocate(outputType, input.shape)
    context.parallelFor(input.count, minChunk: minChunk) { range in
        let source = UnsafePointer(input.pointer(F.Input.self))
        let destination = output.pointer(F.Output.self)
        for i in range { destination[i] = f(source[i]) }
    }
    return output
}

/// The error for an input element type that a kernel does not compute in. Reported as an
/// unsupported configuration (the conformance suite lists it as skipped), never as a wrong
/// answer.
func unsupportedType(_ node: String, _ opType: String, _ dataType: DataType) -> EngineError {
    .unsupportedAttribute(node: node, attribute: "element type", message: "\(opType) does not run on \(dataType) tensors")
}

/// Checks that the inputs of an op whose inputs share one type constraint do.
func requireSameType(_ tensors: [Tensor], node: String, opType: String) throws(EngineError) {
    guard let first = tensors.first else { return }
    for tensor in tensors.dropFirst() where tensor.dataType != first.dataType {
        throw .invalidInput(node: node, message: "\(opType) inputs must share one element type, got \(first.dataType) and \(tensor.dataType)")
    }
}
