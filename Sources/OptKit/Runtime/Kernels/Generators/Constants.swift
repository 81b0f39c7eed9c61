/// Constant and ConstantOfShape.

/// Constant: the tensor given by exactly one of `value`, `value_float`, `value_floats`,
/// `value_int` or `value_ints`, built once when the model is prepared. Every run returns that
/// same tensor, sharing its storage (as an initializer would be), so models that store their
/// weights as Constant nodes cost no copy per run. `value_string(s)` and `sparse_value` are
/// unsupported.
struct ConstantKernel: Kernel {
    let value: Tensor

    init(_ node: Node) throws(EngineError) {
        let name = node.displayName
        let supported = ["value", "value_float", "value_floats", "value_int", "value_ints"]
        for unsupported in ["value_string", "value_strings", "sparse_value"] where node.attributes[unsupported] != nil {
            throw .unsupportedAttribute(node: name, attribute: unsupported, message: "Constant \(unsupported) is not supported")
        }
        let given = supported.filter { node.attributes[$0] != nil }
        guard given.count == 1 else {
            throw .invalidAttribute(
                node: name, attribute: "value", message: "Constant needs exactly one value attribute, got \(given.count)")
        }
        switch given[0] {
        case "value_float":
            value = Tensor([try node.floatAttribute("value_float") ?? 0], shape: [])
        case "value_floats":
            let values = try node.floatsAttribute("value_floats") ?? []
            value = Tensor(values, shape: [values.count])
        case "value_int":
            value = Tensor([Int64(try node.intAttribute("value_int") ?? 0)], shape: [])
        case "value_ints":
            let values = (try node.intsAttribute("value_ints") ?? []).map { Int64($0) }
            value = Tensor(values, shape: [values.count])
        default:
            guard let tensor = try node.tensorAttribute("value") else {
                throw .unsupportedAttribute(node: name, attribute: "value", message: "this kind of Constant value is not supported")
            }
            value = tensor
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        [value]
    }
}

/// ConstantOfShape (opset 9+): a tensor of the shape given by the int64 input, filled with
/// the one-element `value` attribute (float 0 when absent) and of its type.
struct ConstantOfShapeKernel: Kernel {
    let node: String
    let value: Tensor

    init(_ node: Node) throws(EngineError) {
        self.node = node.displayName
        let value = try node.tensorAttribute("value") ?? Tensor([Float(0)], shape: [1])
        guard value.count == 1 else {
            throw .invalidAttribute(node: self.node, attribute: "value", message: "must hold one element, got shape \(value.shape)")
        }
        guard value.dataType.byteSize != nil else {
            throw .unsupportedAttribute(node: self.node, attribute: "value", message: "\(value.dataType) values are not supported")
        }
        self.value = value
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let shape = try inputs.required(0, node).integerValues(node, "shape")
        let output = context.allocate(value.dataType, try checkedOutputShape(shape, value.dataType, node: node))
        guard try value.dataType.visitRaw(Fill(value: value, output: output, context: context)) != nil else {
            throw unsupportedType(node, "ConstantOfShape", value.dataType)
        }
        return [output]
    }

    private struct Fill: RawTypeVisitor {
        let value: Tensor, output: Tensor, context: KernelContext
        func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
            let element = value.pointer(T.self)[0]
            let output = output
            context.parallelFor(output.count, minChunk: cheapElementwiseChunk) { range in
                (output.pointer(T.self) + range.lowerBound).update(repeating: element, count: range.count)
            }
        }
    }
}

let constantKernelFactories: [String: KernelFactory] = [
    "Constant": { node, _ throws(EngineError) in try ConstantKernel(node) },
    "ConstantOfShape": { node, _ throws(EngineError) in try ConstantOfShapeKernel(node) },
]
