/// Hands out value names not used anywhere in a graph, for a pass that adds many values.
public struct NameScope: Sendable {
    private var used: Set<String>

    init(used: Set<String>) {
        self.used = used
    }

    /// `base` if it is free, else `base_1`, `base_2`, … The name is reserved from then on.
    public mutating func fresh(_ base: String) -> String {
        var candidate = base.isEmpty ? "value" : base
        var suffix = 1
        while used.contains(candidate) {
            candidate = "\(base)_\(suffix)"
            suffix += 1
        }
        used.insert(candidate)
        return candidate
    }
}

/// Editing helpers for passes.
extension Graph {
    /// Every value name the graph uses: inputs, outputs, initializers, node inputs and outputs,
    /// values read by subgraphs.
    public var valueNames: Set<String> {
        var names = Set(inputs.map(\.name))
        names.formUnion(outputs.map(\.name))
        names.formUnion(initializers.keys)
        names.formUnion(opaqueInitializers.keys)
        for node in nodes {
            names.formUnion(node.inputs)
            names.formUnion(node.outputs)
            names.formUnion(node.subgraphInputs)
        }
        names.remove("")
        return names
    }

    /// A scope for generating several fresh names without rescanning the graph.
    public func nameScope() -> NameScope { NameScope(used: valueNames) }

    /// A value name not yet used in the graph, derived from `base`.
    public func uniqueName(_ base: String) -> String {
        var scope = nameScope()
        return scope.fresh(base)
    }

    /// Adds `tensor` as an initializer under `preferredName`, or a fresh variant of it when that
    /// name is taken, and returns the name used.
    @discardableResult
    public mutating func addInitializer(_ tensor: Tensor, preferredName: String) -> String {
        let name = uniqueName(preferredName)
        initializers[name] = tensor
        return name
    }

    /// The static type of a value from what the graph declares: graph inputs and outputs,
    /// initializers, `valueInfo`.
    public func declaredType(of value: String) -> TensorType? {
        if let tensor = initializers[value] {
            return TensorType(dataType: tensor.dataType, shape: tensor.shape.map(Dim.fixed))
        }
        if let type = opaqueInitializers[value]?.tensorType { return type }
        if let type = valueInfo[value] { return type }
        if let input = inputs.first(where: { $0.name == value }), let type = input.type { return type }
        return outputs.first(where: { $0.name == value })?.type
    }

    /// The constant tensor behind a value: an initializer, or the output of a Constant node
    /// holding a tensor (some exporters store every weight that way).
    public func constantTensor(_ value: String) -> Tensor? {
        if let tensor = initializers[value] { return tensor }
        for node in nodes where node.opType == "Constant" && KernelRegistry.isDefaultDomain(node.domain) && node.outputs.first == value {
            if case .tensor(let tensor)? = node.attributes["value"] { return tensor }
        }
        return nil
    }

    /// Makes every node that reads `old` read `new` instead. Graph outputs are renamed too when
    /// `includingGraphOutputs` is set (which changes the model's interface). Returns false when
    /// a subgraph still reads `old`: subgraphs are kept as stored and cannot be rewritten, so
    /// `old` must then stay defined.
    @discardableResult
    public mutating func replaceUses(of old: String, with new: String, includingGraphOutputs: Bool = false) -> Bool {
        guard old != new, !old.isEmpty else { return true }
        var complete = true
        for index in nodes.indices {
            if nodes[index].inputs.contains(old) {
                nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            }
            if nodes[index].subgraphInputs.contains(old) { complete = false }
        }
        if includingGraphOutputs {
            for index in outputs.indices where outputs[index].name == old { outputs[index].name = new }
        }
        return complete
    }

    /// Removes the nodes at `indices` (any order, duplicates ignored).
    public mutating func removeNodes<C: Collection>(at indices: C) where C.Element == Int {
        let doomed = Set(indices)
        guard !doomed.isEmpty else { return }
        nodes = nodes.enumerated().filter { !doomed.contains($0.offset) }.map(\.element)
    }

    /// Removes the nodes matching `predicate`.
    public mutating func removeNodes(where predicate: (Node) throws -> Bool) rethrows {
        try nodes.removeAll(where: predicate)
    }

    /// Removes nodes whose outputs nothing reads (repeatedly, so chains go too) and initializers
    /// nothing reads. Values read by subgraphs and graph outputs count as read. Returns how many
    /// nodes and initializers were removed.
    @discardableResult
    public mutating func removeUnused() -> (nodes: Int, initializers: Int) {
        let nodeCount = nodes.count
        let initializerCount = initializers.count + opaqueInitializers.count
        while true {
            let used = usedValues()
            let before = nodes.count
            nodes.removeAll { node in
                !node.outputs.contains { !$0.isEmpty && used.contains($0) }
            }
            if nodes.count == before { break }
        }
        let used = usedValues()
        initializers = initializers.filter { used.contains($0.key) }
        opaqueInitializers = opaqueInitializers.filter { used.contains($0.key) }
        return (nodeCount - nodes.count, initializerCount - initializers.count - opaqueInitializers.count)
    }

    private func usedValues() -> Set<String> {
        var used = Set(outputs.map(\.name))
        for node in nodes {
            used.formUnion(node.inputs)
            used.formUnion(node.subgraphInputs)
        }
        return used
    }

    /// Reorders `nodes` into a topological order (file order among independent nodes).
    public mutating func sortTopologically() throws(GraphError) {
        let order = try topologicalOrder()
        nodes = order.map { nodes[$0] }
    }
}
