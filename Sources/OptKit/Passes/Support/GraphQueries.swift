/// Small questions the passes ask of a graph while rewriting it.
extension Graph {
    /// Whether `value` is one of the graph's outputs (its name is the model's interface).
    func isGraphOutput(_ value: String) -> Bool {
        outputs.contains { $0.name == value }
    }

    /// Whether `value` is fed by the caller (a graph input, which may shadow an initializer).
    func isGraphInput(_ value: String) -> Bool {
        inputs.contains { $0.name == value }
    }

    /// The initializer behind `value` unless a caller may override it with a feed.
    func fixedInitializer(_ value: String) -> Tensor? {
        isGraphInput(value) ? nil : initializers[value]
    }

    /// Indices of the nodes reading `value`.
    func readers(of value: String) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(value) || nodes[$0].subgraphInputs.contains(value) }
    }

    /// Index of the node producing `value`.
    func producer(of value: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(value) }
    }
}

extension Node {
    /// Whether the node is in the default ONNX domain.
    var isStandard: Bool { KernelRegistry.isDefaultDomain(domain) }
}

extension Tensor {
    /// The elements as Float, for a float tensor.
    var floats: [Float] { elements(Float.self) }
}
