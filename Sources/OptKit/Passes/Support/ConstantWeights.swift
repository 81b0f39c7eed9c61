/// Turns `Constant` nodes into initializers. Some exporters store every weight as a Constant
/// node; a pass that looks only at initializers would silently leave those layers out (see
/// docs/quantization.md), so every pass that rewrites weights runs this first.
enum ConstantWeights {
    /// Returns how many Constant nodes became initializers. Constants whose output is a graph
    /// output stay nodes (an initializer is not a valid graph output for every runtime), as do
    /// string and sparse constants, which `Tensor` cannot hold.
    @discardableResult
    static func promote(in graph: inout Graph) -> Int {
        var promoted = 0
        var doomed: [Int] = []
        for (index, node) in graph.nodes.enumerated() where node.opType == "Constant" && node.isStandard {
            guard let output = node.outputs.first, !output.isEmpty, !graph.isGraphOutput(output),
                graph.initializers[output] == nil, let tensor = value(of: node)
            else { continue }
            graph.initializers[output] = tensor
            graph.valueInfo[output] = nil
            doomed.append(index)
            promoted += 1
        }
        graph.removeNodes(at: doomed)
        return promoted
    }

    /// The tensor a Constant node holds, from whichever of its value attributes is set.
    static func value(of node: Node) -> Tensor? {
        switch node.attributes["value"] ?? node.attributes["value_float"] ?? node.attributes["value_floats"]
            ?? node.attributes["value_int"] ?? node.attributes["value_ints"] {
        case .tensor(let tensor)?: tensor
        case .float(let value)?: Tensor([value], shape: [])
        case .floats(let values)?: Tensor(values, shape: [values.count])
        case .int(let value)?: Tensor([Int64(value)], shape: [])
        case .ints(let values)?: Tensor(values.map(Int64.init), shape: [values.count])
        default: nil
        }
    }
}
