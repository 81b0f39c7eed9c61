/// Ops whose output is the input's elements under another shape: Reshape, Flatten, Squeeze,
/// Unsqueeze, Identity and inference-mode Dropout. Each returns a view sharing the input's
/// storage (`Tensor.reshaped`), so they cost no copy; the executor allows outputs that alias
/// inputs.

/// Reshape (opset 5+; `allowzero` from 14). A 0 in `shape` copies the input's dim at that
/// position (unless allowzero, where it means a zero-sized dim); one -1 is inferred.
struct ReshapeKernel: Kernel {
    let node: String
    let allowZero: Bool

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        allowZero = opset >= 14 ? try node.flagAttribute("allowzero", default: false) : false
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let requested = try inputs.required(1, node).integerValues(node, "shape")
        return [input.reshaped(try outputShape(input.shape, requested))]
    }

    func outputShape(_ inputShape: [Int], _ requested: [Int]) throws(EngineError) -> [Int] {
        var shape = requested
        var inferred: Int?
        for (index, dim) in requested.enumerated() {
            switch dim {
            case 0 where !allowZero:
                guard index < inputShape.count else {
                    throw .invalidInput(node: node, message: "shape \(requested) copies dim \(index) of an input of rank \(inputShape.count)")
                }
                shape[index] = inputShape[index]
            case -1:
                guard inferred == nil else {
                    throw .invalidInput(node: node, message: "shape \(requested) has more than one -1")
                }
                inferred = index
            case ..<0:
                throw .invalidInput(node: node, message: "shape \(requested) has a negative dim other than -1")
            default:
                break
            }
        }
        if allowZero && inferred != nil && requested.contains(0) {
            throw .invalidInput(node: node, message: "shape \(requested) has both 0 and -1 with allowzero set")
        }
        let total = elementCount(inputShape)
        if let inferred {
            var known = 1
            for (index, dim) in shape.enumerated() where index != inferred {
                let (product, overflow) = known.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw mismatch(inputShape, requested) }
                known = product
            }
            guard known != 0, total % known == 0 else { throw mismatch(inputShape, requested) }
            shape[inferred] = total / known
        }
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw mismatch(inputShape, requested) }
            count = product
        }
        guard count == total else { throw mismatch(inputShape, requested) }
        return shape
    }

    private func mismatch(_ inputShape: [Int], _ requested: [Int]) -> EngineError {
        .invalidInput(node: node, message: "cannot reshape a tensor of shape \(inputShape) to \(requested)")
    }
}

/// Flatten: `[d0 … d(axis-1), d(axis) … dn]` to `[product before axis, product from axis]`.
/// `axis` may be negative from opset 11.
struct FlattenKernel: Kernel {
    let node: String
    let axis: Int

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let rank = input.rank
        guard axis >= -rank && axis <= rank else {
            throw .invalidAttribute(node: node, attribute: "axis", message: "axis \(axis) is out of range for rank \(rank)")
        }
        let split = axis < 0 ? axis + rank : axis
        let outer = elementCount(input.shape[..<split])
        return [input.reshaped([outer, elementCount(input.shape[split...])])]
    }
}

/// Squeeze: removes the listed size-1 axes, or every size-1 axis when none are listed. Axes
/// are an attribute before opset 13 and an optional input from 13.
struct SqueezeKernel: Kernel {
    let node: String
    /// The attribute form's axes (opset < 13); nil means "read the input" or "all".
    let attributeAxes: [Int]?
    let axesFromInput: Bool

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        axesFromInput = opset >= 13
        attributeAxes = axesFromInput ? nil : try node.intsAttribute("axes")
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let listed: [Int]?
        let source: AxisSource
        if axesFromInput {
            listed = try inputs.optional(1)?.integerValues(node, "axes")
            source = .input("axes")
        } else {
            listed = attributeAxes
            source = .attribute("axes")
        }
        guard let listed else { return [input.reshaped(input.shape.filter { $0 != 1 })] }
        let axes = Set(try normalizedAxes(listed, rank: input.rank, node: node, source: source))
        for axis in axes where input.shape[axis] != 1 {
            throw .invalidInput(node: node, message: "cannot squeeze axis \(axis) of size \(input.shape[axis])")
        }
        let shape = input.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return [input.reshaped(shape)]
    }
}

/// Unsqueeze: inserts size-1 axes at the listed positions of the output. Axes are a required
/// attribute before opset 13 and a required input from 13.
struct UnsqueezeKernel: Kernel {
    let node: String
    let attributeAxes: [Int]?

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        if opset >= 13 {
            attributeAxes = nil
        } else {
            guard let axes = try node.intsAttribute("axes") else {
                throw .invalidAttribute(node: self.node, attribute: "axes", message: "is required before opset 13")
            }
            attributeAxes = axes
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let listed: [Int]
        let source: AxisSource
        if let attributeAxes {
            listed = attributeAxes
            source = .attribute("axes")
        } else {
            listed = try inputs.required(1, node).integerValues(node, "axes")
            source = .input("axes")
        }
        let rank = input.rank + listed.count
        let axes = Set(try normalizedAxes(listed, rank: rank, node: node, source: source))
        var shape: [Int] = []
        var inputAxis = 0
        for axis in 0..<rank {
            if axes.contains(axis) {
                shape.append(1)
            } else {
                shape.append(input.shape[inputAxis])
                inputAxis += 1
            }
        }
        return [input.reshaped(shape)]
    }
}

/// Identity: the input itself.
struct IdentityKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        [try inputs.required(0, node)]
    }
}

/// Dropout in inference: the output is the input and the optional mask is all true (a bool
/// mask from opset 10; before that the mask has the input's type). From opset 12 a
/// `training_mode` input may ask for training behaviour; with a non-zero ratio that is random
/// and unsupported, with ratio 0 it is the identity.
struct DropoutKernel: Kernel {
    let node: String
    let opset: Int
    let wantsMask: Bool

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        if opset >= 12, let training = inputs.optional(2), try training.isTrue(node, "training_mode") {
            let ratio = try inputs.optional(1).map { (t: Tensor) throws(EngineError) in try dropoutRatio(t) } ?? 0.5
            if ratio != 0 {
                throw .unsupportedAttribute(
                    node: node, attribute: "training_mode", message: "training-mode Dropout with ratio \(ratio) is random; only inference runs")
            }
        }
        guard wantsMask else { return [input] }
        let mask = context.allocate(.bool, input.shape)
        mask.storage.bytes.initializeMemory(as: UInt8.self, repeating: 1, count: input.count)
        if opset < 10 {
            return [input, try castTensor(mask, to: input.dataType, node: node, context: context)]
        }
        return [input, mask]
    }

    private func dropoutRatio(_ tensor: Tensor) throws(EngineError) -> Double {
        guard tensor.count == 1 else {
            throw .invalidInput(node: node, message: "ratio must be a scalar, got shape \(tensor.shape)")
        }
        return switch tensor.dataType {
        case .float: Double(tensor.pointer(Float.self)[0])
        case .double: tensor.pointer(Double.self)[0]
        case .float16: Double(HalfConversion.float(tensor.pointer(UInt16.self)[0]))
        default: throw unsupportedType(node, "Dropout ratio", tensor.dataType)
        }
    }
}

let viewKernelFactories: [String: KernelFactory] = [
    "Reshape": { node, opset throws(EngineError) in try ReshapeKernel(node, opset: opset) },
    "Flatten": { node, _ throws(EngineError) in
        FlattenKernel(node: node.displayName, axis: try node.intAttribute("axis", default: 1))
    },
    "Squeeze": { node, opset throws(EngineError) in try SqueezeKernel(node, opset: opset) },
    "Unsqueeze": { node, opset throws(EngineError) in try UnsqueezeKernel(node, opset: opset) },
    "Identity": { node, _ in IdentityKernel(node: node.displayName) },
    "Dropout": { node, opset in DropoutKernel(node: node.displayName, opset: opset, wantsMask: node.hasOutput(1)) },
]
