/// Lossless clean-ups that every later pass benefits from: Constant nodes holding weights become
/// initializers, sub-graphs whose inputs are all constant are computed once, BatchNormalization
/// is folded into the Conv, Gemm or MatMul(+Add) before it, Identity and inference Dropout are
/// removed, and nodes nothing reads are dropped. Symbolic dims are kept as they are.
public struct SimplifyPass: OptimizationPass {
    public static let parameterDescriptors: [ParameterDescriptor] = [
        ParameterDescriptor(
            name: "fold_constants", kind: .boolean, defaultValue: .bool(true),
            summary: "compute nodes whose inputs are all constants once, on the engine, and store the results"),
        ParameterDescriptor(
            name: "fold_batch_norm", kind: .boolean, defaultValue: .bool(true),
            summary: "fold BatchNormalization into the preceding Conv, Gemm or MatMul(+Add)"),
    ]

    public let technique = Technique.named("simplify")!
    public let parameters: JSONValue
    let foldConstants: Bool
    let foldBatchNorm: Bool

    public init(_ values: ParameterValues) {
        parameters = values.json
        foldConstants = values.boolean("fold_constants")
        foldBatchNorm = values.boolean("fold_batch_norm")
    }

    public func apply(to model: inout Model, context: PassContext) async throws -> PassReport {
        var graph = model.graph
        let nodesBefore = graph.nodes.count
        try await context.progress.report(0, "simplify: Constant weights")
        let promoted = ConstantWeights.promote(in: &graph)
        let identities = IdentityRemoval.remove(in: &graph)
        var folding = ConstantFolding.Outcome()
        if foldConstants {
            try await context.progress.report(0.3, "simplify: constant folding")
            folding = ConstantFolding.fold(in: &graph, opsets: model.opsetImports)
        }
        var batchNorms: [String] = []
        if foldBatchNorm {
            try await context.progress.report(0.7, "simplify: BatchNormalization folding")
            batchNorms = BatchNormFolding.fold(in: &graph)
        }
        let dead = graph.removeUnused()
        try graph.sortTopologically()
        try await context.progress.report(1, "simplify: done")
        model.graph = graph

        var parts: [String] = []
        if promoted > 0 { parts.append("\(promoted) Constant weight\(promoted == 1 ? "" : "s") made initializers") }
        if !folding.foldedNodes.isEmpty { parts.append("\(folding.foldedNodes.count) constant node\(folding.foldedNodes.count == 1 ? "" : "s") folded") }
        if !batchNorms.isEmpty { parts.append("\(batchNorms.count) BatchNormalization folded") }
        if !identities.isEmpty { parts.append("\(identities.count) Identity/Dropout removed") }
        if dead.nodes > 0 { parts.append("\(dead.nodes) dead node\(dead.nodes == 1 ? "" : "s") removed") }
        let summary = "simplify: \(nodesBefore) -> \(graph.nodes.count) nodes" + (parts.isEmpty ? " (nothing to simplify)" : "; " + parts.joined(separator: ", "))
        return PassReport(
            technique: technique.id, parameters: parameters, summary: summary,
            details: .object([
                "nodes_before": .number(Double(nodesBefore)),
                "nodes_after": .number(Double(graph.nodes.count)),
                "constants_promoted": .number(Double(promoted)),
                "constant_folded_nodes": .array(folding.foldedNodes.map(JSONValue.string)),
                "batch_norm_folded": .array(batchNorms.map(JSONValue.string)),
                "identity_removed": .array(identities.map(JSONValue.string)),
                "dead_nodes_removed": .number(Double(dead.nodes)),
                "unused_initializers_removed": .number(Double(dead.initializers)),
            ]),
            warnings: folding.problem.map { [$0] } ?? [])
    }
}
