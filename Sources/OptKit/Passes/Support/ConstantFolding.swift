/// Computes, once, the nodes whose inputs are all constants and stores their results as
/// initializers. The values are computed by the engine itself (an `Executor` over just those
/// nodes), so folding means exactly what running the model would.
enum ConstantFolding {
    /// Ops whose result differs from run to run, never folded.
    static let nondeterministic: Set<String> = ["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"]

    struct Outcome {
        var foldedNodes: [String] = []
        /// Why folding stopped short, when the engine could not compute a node.
        var problem: String?
    }

    /// A folded value may be larger than what it was computed from (Expand, Tile,
    /// ConstantOfShape), but not past this many bytes: the file would grow.
    static let growthLimit = 1 << 20

    static func fold(in graph: inout Graph, opsets: [String: Int]) -> Outcome {
        var outcome = Outcome()
        var blocked = Set<Int>()
        for _ in 0..<8 {
            let foldable = foldableNodes(in: graph, blocked: blocked)
            guard !foldable.isEmpty else { return outcome }
            let producedInside = Set(foldable.flatMap { graph.nodes[$0].outputs })
            var needed: [String] = []
            for index in graph.nodes.indices where !foldable.contains(index) {
                for input in graph.nodes[index].inputs + graph.nodes[index].subgraphInputs where producedInside.contains(input) && !needed.contains(input) {
                    needed.append(input)
                }
            }
            let order = foldable.sorted()
            var subgraph = Graph(name: "folding", nodes: order.map { graph.nodes[$0] })
            subgraph.outputs = needed.map { ValueInfo(name: $0, type: nil) }
            for node in subgraph.nodes {
                for input in node.inputs where !input.isEmpty { if let tensor = graph.initializers[input] { subgraph.initializers[input] = tensor } }
            }
            let values: [String: Tensor]
            do {
                let executor = try Executor(graph: subgraph, opsets: opsets, threads: 1)
                values = try executor.run([:])
            } catch {
                outcome.problem = "constant folding skipped: \(error)"
                return outcome
            }
            // Values much larger than their sources stay computed at run time, with their producers.
            let sourceBytes = subgraph.initializers.values.map(\.byteCount).max() ?? 0
            let oversized = needed.filter { (values[$0]?.byteCount ?? 0) > max(growthLimit, 2 * sourceBytes) }
            if !oversized.isEmpty {
                for name in oversized { if let producer = graph.producer(of: name) { blocked.insert(producer) } }
                continue
            }
            for name in needed {
                guard let tensor = values[name] else { continue }
                graph.initializers[name] = tensor
                graph.valueInfo[name] = nil
            }
            outcome.foldedNodes += order.map { graph.nodes[$0].displayName }
            graph.removeNodes(at: foldable)
            graph.removeUnused()
            return outcome
        }
        return outcome
    }

    /// Nodes (in file order) whose every input is a fixed initializer or another such node's
    /// output, that the engine can run, and whose outputs are not graph outputs.
    private static func foldableNodes(in graph: Graph, blocked: Set<Int>) -> Set<Int> {
        guard let order = try? graph.topologicalOrder() else { return [] }
        var constant = Set(graph.initializers.keys.filter { !graph.isGraphInput($0) })
        var foldable = Set<Int>()
        var blockedValues = Set<String>()
        for index in order {
            let node = graph.nodes[index]
            let eligible = !blocked.contains(index) && node.isStandard && !node.hasSubgraphs
                && node.opType != "Constant" && !nondeterministic.contains(node.opType)
                && KernelRegistry.supports(opType: node.opType, domain: node.domain)
                && node.inputs.allSatisfy { $0.isEmpty || constant.contains($0) && !blockedValues.contains($0) }
                && !node.outputs.contains(where: graph.isGraphOutput)
            if eligible {
                foldable.insert(index)
                constant.formUnion(node.outputs.filter { !$0.isEmpty })
            } else {
                blockedValues.formUnion(node.outputs)
            }
        }
        return foldable
    }
}
