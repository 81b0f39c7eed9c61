extension Graph {
    /// Checks the graph and returns every problem found, each naming its node and value:
    /// values read but never defined, graph outputs nothing produces, values defined twice,
    /// cycles, element-type and shape conflicts (from shape inference), and — when
    /// `checkKernels` is set — ops the engine cannot run, subgraph ops included.
    public func validate(opsets: [String: Int], checkKernels: Bool = true) -> [GraphIssue] {
        var issues: [GraphIssue] = []
        var defined = Set(inputs.map(\.name))
        defined.formUnion(initializers.keys)
        defined.formUnion(opaqueInitializers.keys)
        var seenOutputs = defined
        for node in nodes {
            for output in node.outputs where !output.isEmpty {
                if !seenOutputs.insert(output).inserted {
                    issues.append(.duplicateOutput(value: output, node: node.displayName))
                }
            }
        }
        defined = seenOutputs
        for node in nodes {
            for input in node.inputs + node.subgraphInputs where !input.isEmpty && !defined.contains(input) {
                issues.append(.danglingInput(node: node.displayName, value: input))
            }
        }
        for output in outputs where !defined.contains(output.name) {
            issues.append(.undefinedOutput(value: output.name))
        }
        // Inference reports the cycle itself, along with type and shape conflicts.
        issues += inferTypes(opsets: opsets).issues
        if checkKernels {
            for node in nodes {
                if node.hasSubgraphs {
                    issues.append(.subgraphOp(node: node.displayName, opType: node.opType))
                } else if !KernelRegistry.supports(opType: node.opType, domain: node.domain) {
                    issues.append(.unsupportedOp(node: node.displayName, opType: node.opType, domain: node.domain))
                }
            }
        }
        var seen = Set<GraphIssue>()
        return issues.filter { seen.insert($0).inserted }
    }
}

extension Model {
    /// `Graph.validate` with the model's opset imports.
    public func validate(checkKernels: Bool = true) -> [GraphIssue] {
        graph.validate(opsets: opsetImports, checkKernels: checkKernels)
    }
}
