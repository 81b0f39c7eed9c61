/// The executor's way of running a float16 model (what the fp16 pass writes: weights and
/// compute in float16, the model's inputs and outputs float32 with Casts at the boundary):
/// computed in float32 throughout, applied before planning.
///
/// Every float16 initializer and Constant is widened to float32 once at prepare time, and every
/// Cast (or ConstantOfShape value) to float16 becomes one to float32, so the float32 kernels —
/// packed SIMD GEMM, fused epilogues — run the whole graph. Why not float16 arithmetic: this
/// CPU has no float16 FMA, and widening at each op (read float16, compute, round back) measured
/// no faster than float32 while adding two conversions per op; float16 storage is what shrinks
/// the file, and that is unchanged. The results are the float16 model's computation without its
/// intermediate roundings (at least as accurate). A graph whose own inputs or outputs are
/// float16 is left as written: its callers see float16 values, so the kernels' float16 paths
/// run it.
enum Float16Promotion {
    static func applies(to graph: Graph) -> Bool {
        let boundary = graph.inputs + graph.outputs
        guard !boundary.contains(where: { $0.type?.dataType == .float16 }) else { return false }
        return graph.initializers.values.contains { $0.dataType == .float16 }
            || graph.nodes.contains { node in
                node.opType == "Cast" && castsToHalf(node)
            }
    }

    static func rewrite(_ graph: Graph) -> Graph {
        guard applies(to: graph) else { return graph }
        var graph = graph
        for (name, tensor) in graph.initializers where tensor.dataType == .float16 {
            graph.initializers[name] = widened(tensor)
        }
        for index in graph.nodes.indices where KernelRegistry.isDefaultDomain(graph.nodes[index].domain) {
            var node = graph.nodes[index]
            switch node.opType {
            case "Cast":
                if castsToHalf(node) {
                    node.attributes["to"] = .int(Int(DataType.float.rawValue))
                }
            case "Constant", "ConstantOfShape":
                for (key, value) in node.attributes {
                    if case .tensor(let tensor) = value, tensor.dataType == .float16 {
                        node.attributes[key] = .tensor(widened(tensor))
                    }
                }
            default:
                break
            }
            graph.nodes[index] = node
        }
        for (name, type) in graph.valueInfo where type.dataType == .float16 {
            graph.valueInfo[name] = TensorType(dataType: .float, shape: type.shape)
        }
        return graph
    }

    private static func castsToHalf(_ node: Node) -> Bool {
        if case .int(let to)? = node.attributes["to"] { return to == Int(DataType.float16.rawValue) }
        return false
    }

    private static func widened(_ tensor: Tensor) -> Tensor {
        let halves = tensor.elements(UInt16.self)
        return Tensor(halves.map(HalfConversion.float), shape: tensor.shape)
    }
}
