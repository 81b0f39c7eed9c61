extension Graph {
    /// Index of the node producing each value.
    public func producers() -> [String: Int] {
        var result: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { result[output] = index }
        }
        return result
    }

    /// Indices of the nodes reading each value, in node order.
    public func consumers() -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { result[input, default: []].append(index) }
        }
        return result
    }

    /// Node indices in an order where every node follows the producers of its inputs (Kahn's
    /// algorithm, preferring file order among ready nodes). Throws `GraphError.cycle` naming a node
    /// on the cycle when there is none.
    public func topologicalOrder() throws(GraphError) -> [Int] {
        let producers = producers()
        var pending = [Int](repeating: 0, count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty {
                if let producer = producers[input] {
                    pending[index] += 1
                    dependents[producer].append(index)
                }
            }
        }
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let next = ready.popLast() {
            order.append(next)
            for dependent in dependents[next].reversed() {
                pending[dependent] -= 1
                if pending[dependent] == 0 { ready.append(dependent) }
            }
        }
        if order.count < nodes.count {
            let stuck = (0..<nodes.count).first { pending[$0] > 0 }!
            throw .cycle(node: nodes[stuck].displayName)
        }
        return order
    }
}

extension Node {
    /// The node's name, or its op type and first output when the file left it unnamed.
    public var displayName: String {
        name.isEmpty ? "\(opType)(\(outputs.first ?? ""))" : name
    }
}

/// Structural problems of a graph, each naming the node and value concerned.
public enum GraphError: Error, Equatable, Sendable {
    case cycle(node: String)
}
