/// Removes Identity nodes and inference-mode Dropout: their output is their input.
enum IdentityRemoval {
    /// Returns the names of the removed nodes.
    static func remove(in graph: inout Graph) -> [String] {
        var removed: [String] = []
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard isPassThrough(node, in: graph), let x = node.inputs.first, !x.isEmpty, let y = node.outputs.first, !y.isEmpty else {
                index += 1
                continue
            }
            if !graph.isGraphOutput(y) {
                guard graph.replaceUses(of: y, with: x) else {
                    index += 1
                    continue
                }
            } else {
                // The output name is the model's interface: the value's producer takes it over.
                guard let producer = graph.producer(of: x), !graph.isGraphOutput(x), !graph.isGraphInput(x),
                    graph.readers(of: x).allSatisfy({ !graph.nodes[$0].subgraphInputs.contains(x) })
                else {
                    index += 1
                    continue
                }
                graph.nodes[producer].outputs = graph.nodes[producer].outputs.map { $0 == x ? y : $0 }
                graph.replaceUses(of: x, with: y)
                graph.valueInfo[x] = nil
            }
            removed.append(node.displayName)
            graph.removeNodes(at: [index])
        }
        return removed
    }

    private static func isPassThrough(_ node: Node, in graph: Graph) -> Bool {
        guard node.isStandard else { return false }
        switch node.opType {
        case "Identity":
            return node.inputs.count == 1
        case "Dropout":
            // Inference mode unless a training_mode input is given and not a constant false.
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard let mode = graph.fixedInitializer(node.inputs[2]), mode.dataType == .bool, mode.count == 1,
                    mode.pointer(UInt8.self)[0] == 0
                else { return false }
            }
            return node.outputs.dropFirst().allSatisfy { $0.isEmpty || graph.readers(of: $0).isEmpty && !graph.isGraphOutput($0) }
        default:
            return false
        }
    }
}
