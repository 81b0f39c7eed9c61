/// Inserts QuantizeLinear/DequantizeLinear pairs and dequantized int8 weights into a graph, the
/// standard ONNX "QDQ" form: every quantized tensor is Q -> DQ, every quantized weight is an
/// int8 initializer read through a DQ node, and the float op in between is unchanged, so any
/// runtime can run it and an integer runtime can fuse DQ -> op -> Q into one integer op.
struct QDQBuilder {
    var graph: Graph
    private var names: NameScope
    /// The dequantized name of each quantized activation (after `quantizeOutput`, the original
    /// name itself).
    private(set) var dequantized: [String: String] = [:]
    /// The quantization parameters of each quantized activation, by original name.
    private(set) var activationParameters: [String: QuantParameters] = [:]
    /// DQ outputs of weights already added, by weight name and axis.
    private var weights: [String: (output: String, quantized: QuantizedWeight)] = [:]
    private var added: [Node] = []

    init(graph: Graph) {
        self.graph = graph
        names = graph.nameScope()
    }

    mutating func fresh(_ base: String) -> String { names.fresh(base) }

    /// Quantizes `tensor` where it is produced: its producer writes a new name, Q and DQ follow,
    /// and the DQ writes `tensor`, so every reader (and a graph output of that name) sees the
    /// quantized value and the model's interface is unchanged.
    mutating func quantizeOutput(_ tensor: String, _ parameters: QuantParameters) {
        guard dequantized[tensor] == nil, let producer = graph.producer(of: tensor) else { return }
        let raw = names.fresh(tensor + "_float")
        graph.nodes[producer].outputs = graph.nodes[producer].outputs.map { $0 == tensor ? raw : $0 }
        if let type = graph.valueInfo[tensor] { graph.valueInfo[raw] = type }
        addPair(from: raw, to: tensor, base: tensor, parameters)
        dequantized[tensor] = tensor
        activationParameters[tensor] = parameters
    }

    /// Quantizes `tensor` for the nodes at `readers` only (a graph input, or a value other float
    /// nodes also read at full precision); returns the dequantized name.
    @discardableResult
    mutating func quantizeInput(_ tensor: String, _ parameters: QuantParameters, readers: [Int]) -> String {
        let output: String
        if let existing = dequantized[tensor] {
            output = existing
        } else {
            output = names.fresh(tensor + "_dequantized")
            addPair(from: tensor, to: output, base: tensor, parameters)
            dequantized[tensor] = output
            activationParameters[tensor] = parameters
        }
        for index in readers {
            graph.nodes[index].inputs = graph.nodes[index].inputs.map { $0 == tensor ? output : $0 }
        }
        return output
    }

    private mutating func addPair(from source: String, to output: String, base: String, _ parameters: QuantParameters) {
        let scale = addConstant(parameters.scaleTensor, base + "_scale")
        let zeroPoint = addConstant(parameters.zeroPointTensor, base + "_zero_point")
        let quantized = names.fresh(base + "_quantized")
        added.append(Node(name: names.fresh(base + "_QuantizeLinear"), opType: "QuantizeLinear", inputs: [source, scale, zeroPoint], outputs: [quantized]))
        added.append(Node(name: names.fresh(base + "_DequantizeLinear"), opType: "DequantizeLinear", inputs: [quantized, scale, zeroPoint], outputs: [output]))
        if let shape = graph.declaredType(of: source)?.shape {
            graph.valueInfo[quantized] = TensorType(dataType: parameters.dataType, shape: shape)
        }
    }

    /// The int8 form of weight `name`, read through a DQ node; returns the DQ output and the
    /// quantized weight. A weight shared by several nodes is quantized once.
    mutating func dequantizedWeight(_ name: String, axis: Int?) -> (output: String, quantized: QuantizedWeight)? {
        let key = name + "#" + (axis.map(String.init) ?? "tensor")
        if let existing = weights[key] { return existing }
        guard let weight = graph.fixedInitializer(name), weight.dataType == .float else { return nil }
        let quantized = QuantizedWeight(weight, axis: axis)
        let values = addConstant(quantized.values, name + "_quantized")
        let scale = addConstant(quantized.scaleTensor, name + "_scale")
        let output = names.fresh(name + "_dequantized")
        var node = Node(name: names.fresh(name + "_DequantizeLinear"), opType: "DequantizeLinear", inputs: [values, scale], outputs: [output])
        if let axis { node.attributes["axis"] = .int(axis) }
        added.append(node)
        weights[key] = (output, quantized)
        return (output, quantized)
    }

    /// An int32 bias read through a DQ node whose scale is input scale × weight scale; nil when
    /// the bias does not fit int32 (it then stays float).
    mutating func dequantizedBias(_ name: String, inputScale: Float, weight: QuantizedWeight) -> String? {
        guard let bias = graph.fixedInitializer(name), bias.dataType == .float,
            let (values, scales) = BiasQuantization.quantize(bias.floats, inputScale: inputScale, weightScales: weight.scales)
        else { return nil }
        let quantized = addConstant(values, name + "_quantized")
        let perChannel = weight.axis != nil
        let scale = addConstant(perChannel ? Tensor(scales, shape: [scales.count]) : Tensor([scales[0]], shape: []), name + "_scale")
        let output = names.fresh(name + "_dequantized")
        var node = Node(name: names.fresh(name + "_DequantizeLinear"), opType: "DequantizeLinear", inputs: [quantized, scale], outputs: [output])
        if perChannel { node.attributes["axis"] = .int(0) }
        added.append(node)
        return output
    }

    mutating func addConstant(_ tensor: Tensor, _ base: String) -> String {
        let name = names.fresh(base)
        graph.initializers[name] = tensor
        return name
    }

    mutating func addNode(_ node: Node) {
        added.append(node)
    }

    /// The rewritten graph: new nodes placed in topological order, unused values removed.
    mutating func finish() throws -> Graph {
        graph.nodes += added
        added = []
        graph.removeUnused()
        try graph.sortTopologically()
        return graph
    }
}
