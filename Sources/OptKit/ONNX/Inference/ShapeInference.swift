/// Result of static type and shape inference over a graph.
public struct InferenceResult: Sendable {
    /// Static type of every value that could be typed: graph inputs, initializers, and node
    /// outputs. A value missing here, or with unknown dims, is one inference could not decide.
    public var types: [String: TensorType]
    /// Type and shape conflicts found on the way (each names its node and value).
    public var issues: [GraphIssue]
}

extension Graph {
    /// Infers the element type and shape of every node output, following ONNX's operator
    /// semantics for `opsets` (older forms included: axes as attributes before opset 13, …).
    /// Symbolic dims stay symbolic (a `batch` input dim comes out as `batch`); what cannot be
    /// decided stays unknown rather than guessed. Declared types (value_info, graph outputs) are
    /// merged with what the ops produce, and conflicts are reported.
    public func inferTypes(opsets: [String: Int]) -> InferenceResult {
        var engine = ShapeInferenceEngine(graph: self, opset: opsets[""] ?? opsets["ai.onnx"] ?? 0)
        engine.run()
        return InferenceResult(types: engine.types, issues: engine.issues)
    }

    /// Runs `inferTypes` and stores the results: node output types go into `valueInfo`, and
    /// graph outputs get their inferred type where the file declared none or a less precise one.
    @discardableResult
    public mutating func inferShapes(opsets: [String: Int]) -> [GraphIssue] {
        let result = inferTypes(opsets: opsets)
        let outputNames = Set(outputs.map(\.name))
        for node in nodes {
            for output in node.outputs where !output.isEmpty && !outputNames.contains(output) {
                if let type = result.types[output] { valueInfo[output] = type }
            }
        }
        for index in outputs.indices {
            if let type = result.types[outputs[index].name] { outputs[index].type = type }
        }
        return result.issues
    }
}

extension Model {
    /// Shape inference with the model's opset imports; see `Graph.inferShapes(opsets:)`.
    @discardableResult
    public mutating func inferShapes() -> [GraphIssue] {
        graph.inferShapes(opsets: opsetImports)
    }
}

/// Walks the graph in topological order, applying each op's rule.
struct ShapeInferenceEngine {
    let graph: Graph
    let opset: Int
    var types: [String: TensorType] = [:]
    /// Contents of small integer tensors (shapes, axes, indices) as dims, so a shape computed
    /// with Shape → Gather → Concat → Reshape keeps its symbolic batch dim.
    var values: [String: [Dim]] = [:]
    /// Constant tensors: initializers and Constant node outputs.
    var constants: [String: Tensor] = [:]
    var issues: [GraphIssue] = []
    /// Types the file declares for node outputs, merged with what the op produces.
    private var declared: [String: TensorType] = [:]

    /// Integer tensors up to this many elements have their contents tracked.
    static let valueLimit = 64

    init(graph: Graph, opset: Int) {
        self.graph = graph
        self.opset = opset
    }

    mutating func run() {
        for input in graph.inputs {
            if let type = input.type { types[input.name] = type }
        }
        for (name, tensor) in graph.initializers {
            types[name] = TensorType(dataType: tensor.dataType, shape: tensor.shape.map(Dim.fixed))
            constants[name] = tensor
            if let contents = Self.contents(of: tensor) { values[name] = contents }
        }
        for (name, opaque) in graph.opaqueInitializers {
            if let type = opaque.tensorType { types[name] = type }
        }
        declared = graph.valueInfo
        for output in graph.outputs {
            if let type = output.type { declared[output.name] = type }
        }

        let order: [Int]
        do {
            order = try graph.topologicalOrder()
        } catch {
            switch error {
            case .cycle(let node): issues.append(.cycle(node: node))
            }
            return
        }
        for index in order { infer(graph.nodes[index]) }
    }

    private mutating func infer(_ node: Node) {
        var context = NodeInference(
            node: node, opset: opset,
            inputTypes: node.inputs.map { $0.isEmpty ? nil : types[$0] },
            inputValues: node.inputs.map { $0.isEmpty ? nil : values[$0] },
            inputConstants: node.inputs.map { $0.isEmpty ? nil : constants[$0] })
        if KernelRegistry.isDefaultDomain(node.domain), let rule = InferenceRules.all[node.opType] {
            rule(&context)
        }
        issues += context.issues
        for (index, output) in node.outputs.enumerated() where !output.isEmpty {
            let inferred = index < context.outputTypes.count ? context.outputTypes[index] : nil
            if let type = merge(inferred, declared[output], node: node, value: output) { types[output] = type }
            if index < context.outputValues.count, let contents = context.outputValues[index] { values[output] = contents }
        }
        if node.opType == "Constant", KernelRegistry.isDefaultDomain(node.domain),
           let output = node.outputs.first, case .tensor(let tensor)? = node.attributes["value"] {
            constants[output] = tensor
        }
    }

    /// Combines what an op produces with what the file declares: the more precise dim wins
    /// (a number over a symbol over unknown); two different numbers, two ranks or two element
    /// types are reported, and the op's own result is kept.
    private mutating func merge(_ inferred: TensorType?, _ declared: TensorType?, node: Node, value: String) -> TensorType? {
        guard let inferred else { return declared }
        guard let declared else { return inferred }
        if inferred.dataType != declared.dataType {
            issues.append(.typeMismatch(node: node.displayName, value: value, message: "declared \(declared.dataType) but \(node.opType) produces \(inferred.dataType)"))
            return inferred
        }
        guard let a = inferred.shape else { return declared }
        guard let b = declared.shape else { return inferred }
        guard a.count == b.count else {
            issues.append(.shapeMismatch(node: node.displayName, value: value, message: "declared rank \(b.count) \(Dim.format(b)) but \(node.opType) produces rank \(a.count) \(Dim.format(a))"))
            return inferred
        }
        var dims: [Dim] = []
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case let (.fixed(p), .fixed(q)) where p != q:
                issues.append(.shapeMismatch(node: node.displayName, value: value, message: "declared \(Dim.format(b)) but \(node.opType) produces \(Dim.format(a))"))
                return inferred
            case (.fixed, _): dims.append(x)
            case (_, .fixed): dims.append(y)
            case (.symbolic, _): dims.append(x)
            case (.unknown, _): dims.append(y)
            }
        }
        return TensorType(dataType: inferred.dataType, shape: dims)
    }

    /// The contents of a small integer tensor of rank 0 or 1, as fixed dims.
    static func contents(of tensor: Tensor) -> [Dim]? {
        guard tensor.rank <= 1, tensor.count <= valueLimit else { return nil }
        switch tensor.dataType {
        case .int64: return tensor.elements(Int64.self).map { .fixed(Int($0)) }
        case .int32: return tensor.elements(Int32.self).map { .fixed(Int($0)) }
        default: return nil
        }
    }
}

/// What one op's rule sees and produces.
struct NodeInference {
    let node: Node
    let opset: Int
    let inputTypes: [TensorType?]
    let inputValues: [[Dim]?]
    let inputConstants: [Tensor?]
    var outputTypes: [TensorType?]
    var outputValues: [[Dim]?]
    var issues: [GraphIssue] = []

    init(node: Node, opset: Int, inputTypes: [TensorType?], inputValues: [[Dim]?], inputConstants: [Tensor?]) {
        self.node = node
        self.opset = opset
        self.inputTypes = inputTypes
        self.inputValues = inputValues
        self.inputConstants = inputConstants
        self.outputTypes = Array(repeating: nil, count: node.outputs.count)
        self.outputValues = Array(repeating: nil, count: node.outputs.count)
    }

    var name: String { node.displayName }
    var inputCount: Int { node.inputs.count }
    var outputCount: Int { node.outputs.count }

    /// Whether optional input `index` is given.
    func has(_ index: Int) -> Bool { index < node.inputs.count && !node.inputs[index].isEmpty }
    func type(_ index: Int) -> TensorType? { index < inputTypes.count ? inputTypes[index] : nil }
    func dataType(_ index: Int) -> DataType? { type(index)?.dataType }
    func shape(_ index: Int) -> [Dim]? { type(index)?.shape }
    func rank(_ index: Int) -> Int? { shape(index)?.count }
    /// Contents of a small integer input, as dims (numbers or symbols).
    func value(_ index: Int) -> [Dim]? { index < inputValues.count ? inputValues[index] : nil }
    /// Contents of a small integer input when every element is a number.
    func intValues(_ index: Int) -> [Int]? {
        guard let dims = value(index) else { return nil }
        var result: [Int] = []
        for dim in dims {
            guard case .fixed(let v) = dim else { return nil }
            result.append(v)
        }
        return result
    }
    func constant(_ index: Int) -> Tensor? { index < inputConstants.count ? inputConstants[index] : nil }
    func inputName(_ index: Int) -> String { index < node.inputs.count ? node.inputs[index] : "" }
    func outputName(_ index: Int) -> String { index < node.outputs.count ? node.outputs[index] : "" }

    func int(_ attribute: String) -> Int? {
        if case .int(let v)? = node.attributes[attribute] { return v }
        return nil
    }
    func int(_ attribute: String, default value: Int) -> Int { int(attribute) ?? value }
    func ints(_ attribute: String) -> [Int]? {
        if case .ints(let v)? = node.attributes[attribute] { return v }
        return nil
    }
    func string(_ attribute: String) -> String? {
        if case .string(let v)? = node.attributes[attribute] { return v }
        return nil
    }

    mutating func setOutput(_ index: Int, _ dataType: DataType?, _ shape: [Dim]?) {
        guard index < outputTypes.count, let dataType else { return }
        outputTypes[index] = TensorType(dataType: dataType, shape: shape)
    }

    mutating func setValue(_ index: Int, _ contents: [Dim]?) {
        guard index < outputValues.count, let contents, contents.count <= ShapeInferenceEngine.valueLimit else { return }
        outputValues[index] = contents
    }

    /// Reports inputs `indices` whose element types differ (ONNX's single type constraint T).
    mutating func requireSameType(_ indices: [Int]) {
        var first: (Int, DataType)?
        for index in indices {
            guard let dataType = dataType(index) else { continue }
            if let (firstIndex, firstType) = first {
                if firstType != dataType {
                    issues.append(.typeMismatch(node: name, value: inputName(index), message: "\(node.opType) needs '\(inputName(firstIndex))' (\(firstType)) and '\(inputName(index))' (\(dataType)) to have one element type"))
                    return
                }
            } else {
                first = (index, dataType)
            }
        }
    }

    mutating func shapeMismatch(_ value: String, _ message: String) {
        issues.append(.shapeMismatch(node: name, value: value, message: message))
    }

    mutating func invalidAttribute(_ attribute: String, _ message: String) {
        issues.append(.invalidAttribute(node: name, attribute: attribute, message: message))
    }

    /// `axis` in `-rank..<rank` made non-negative, or nil (and an issue) when out of range.
    mutating func normalizedAxis(_ axis: Int, rank: Int, attribute: String = "axis") -> Int? {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            invalidAttribute(attribute, "axis \(axis) is out of range for rank \(rank)")
            return nil
        }
        return normalized
    }

    /// Axes normalized and checked for duplicates; nil (with an issue) if one is invalid.
    mutating func normalizedAxes(_ axes: [Int], rank: Int, attribute: String = "axes") -> [Int]? {
        var result: [Int] = []
        for axis in axes {
            guard let normalized = normalizedAxis(axis, rank: rank, attribute: attribute) else { return nil }
            guard !result.contains(normalized) else {
                invalidAttribute(attribute, "axis \(axis) appears twice")
                return nil
            }
            result.append(normalized)
        }
        return result
    }
}

typealias InferenceRule = @Sendable (inout NodeInference) -> Void

/// The inference rule of every op that has one, by op type in the default domain.
enum InferenceRules {
    static let all: [String: InferenceRule] = {
        var rules: [String: InferenceRule] = [:]
        for table in [elementwiseRules, shapeRules, indexingRules, convolutionRules, reductionRules, matrixRules, normalizationRules, recurrentRules, quantizationRules] {
            rules.merge(table) { first, _ in first }
        }
        return rules
    }()
}
