/// Element-wise ops: unary ops keep their input's type and shape; binary and variadic ops
/// broadcast (numpy rules) and require one element type; comparisons produce bool.
extension InferenceRules {
    static let elementwiseRules: [String: InferenceRule] = {
        var rules: [String: InferenceRule] = [:]
        let unary = [
            "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu",
            "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Gelu", "Softmax", "LogSoftmax", "Hardmax",
            "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Softplus", "Softsign", "Mish",
            "ThresholdedRelu", "Shrink", "Not", "LRN", "InstanceNormalization",
        ]
        for op in unary { rules[op] = sameAsInput }
        rules["Identity"] = { context in
            sameAsInput(&context)
            context.setValue(0, context.value(0))
        }
        rules["Clip"] = { context in
            // Before opset 11, min and max were attributes; from 11 on, optional inputs of type T.
            context.requireSameType([0, 1, 2])
            sameAsInput(&context)
        }
        rules["PRelu"] = { context in
            context.requireSameType([0, 1])
            sameAsInput(&context)
        }
        for op in ["IsNaN", "IsInf"] {
            rules[op] = { context in context.setOutput(0, .bool, context.shape(0)) }
        }
        rules["Dropout"] = { context in
            sameAsInput(&context)
            context.setOutput(1, .bool, context.shape(0))
        }
        for op in ["Add", "Sub", "Mul", "Div", "Mod", "Min", "Max", "Sum", "Mean", "And", "Or", "Xor", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"] {
            rules[op] = { context in
                context.requireSameType(Array(0..<context.inputCount))
                broadcastInputs(&context, dataType: firstKnownType(context))
                if ["Add", "Sub", "Mul", "Div"].contains(op), context.inputCount == 2 { propagateArithmetic(&context) }
            }
        }
        rules["Pow"] = { context in broadcastInputs(&context, dataType: context.dataType(0)) }
        for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"] {
            rules[op] = { context in
                context.requireSameType([0, 1])
                broadcastInputs(&context, dataType: .bool)
            }
        }
        rules["Where"] = { context in
            if let condition = context.dataType(0), condition != .bool {
                context.issues.append(.typeMismatch(node: context.name, value: context.inputName(0), message: "Where needs a bool condition, not \(condition)"))
            }
            context.requireSameType([1, 2])
            broadcastInputs(&context, dataType: context.dataType(1) ?? context.dataType(2))
        }
        rules["Cast"] = { context in
            guard let to = context.int("to"), to > 0 else {
                context.invalidAttribute("to", "missing or not an element type")
                return
            }
            // An element type newer than `DataType` (int2, float8e8m0, …) stays unknown.
            guard let dataType = DataType(rawValue: Int32(truncatingIfNeeded: to)) else { return }
            context.setOutput(0, dataType, context.shape(0))
            if dataType == .int64 || dataType == .int32 { context.setValue(0, context.value(0)) }
        }
        rules["CastLike"] = { context in
            context.setOutput(0, context.dataType(1), context.shape(0))
        }
        return rules
    }()

    static func sameAsInput(_ context: inout NodeInference) {
        context.setOutput(0, context.dataType(0), context.shape(0))
    }

    static func firstKnownType(_ context: NodeInference) -> DataType? {
        (0..<context.inputCount).lazy.compactMap { context.dataType($0) }.first
    }

    /// Output 0 gets the broadcast of all given inputs' shapes (unknown if any is unknown).
    static func broadcastInputs(_ context: inout NodeInference, dataType: DataType?) {
        var shapes: [[Dim]] = []
        for index in 0..<context.inputCount where context.has(index) {
            guard let shape = context.shape(index) else {
                context.setOutput(0, dataType, nil)
                return
            }
            shapes.append(shape)
        }
        switch DimMath.broadcast(shapes) {
        case .success(let shape):
            context.setOutput(0, dataType, shape)
        case .failure(let failure):
            context.shapeMismatch(context.outputName(0), failure.message)
            context.setOutput(0, dataType, nil)
        }
    }

    /// Add/Sub/Mul/Div on small integer tensors (shape arithmetic in exported graphs): numbers
    /// are computed, a symbol survives adding 0 or multiplying by 1.
    private static func propagateArithmetic(_ context: inout NodeInference) {
        guard let a = context.value(0), let b = context.value(1) else { return }
        guard a.count == b.count || a.count == 1 || b.count == 1 else { return }
        let count = max(a.count, b.count)
        let op = context.node.opType
        var result: [Dim] = []
        for i in 0..<count {
            let x = a[a.count == 1 ? 0 : i]
            let y = b[b.count == 1 ? 0 : i]
            result.append(arithmetic(op, x, y))
        }
        context.setValue(0, result)
    }

    private static func arithmetic(_ op: String, _ x: Dim, _ y: Dim) -> Dim {
        switch (op, x, y) {
        case let ("Add", .fixed(p), .fixed(q)): return .fixed(p &+ q)
        case let ("Sub", .fixed(p), .fixed(q)): return .fixed(p &- q)
        case let ("Mul", .fixed(p), .fixed(q)): return .fixed(p &* q)
        case let ("Div", .fixed(p), .fixed(q)) where q != 0 && !(p == Int.min && q == -1): return .fixed(p / q)
        case ("Add", _, .fixed(0)), ("Sub", _, .fixed(0)), ("Mul", _, .fixed(1)), ("Div", _, .fixed(1)): return x
        case ("Add", .fixed(0), _), ("Mul", .fixed(1), _): return y
        default: return .unknown
        }
    }
}
