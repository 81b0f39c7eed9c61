/// Every op the engine can run, by op type in the default ONNX domain. Kernels are grouped
/// by family in `Kernels/`; each family contributes its table here.
public enum KernelRegistry {
    static let factories: [String: KernelFactory] = {
        var all: [String: KernelFactory] = [:]
        for table in [computeKernelFactories, tensorKernelFactories, quantizationKernelFactories] {
            all.merge(table) { _, _ in preconditionFailure("an op is registered twice") }
        }
        return all
    }()

    /// Op types the engine runs, sorted; `inspect` and the docs list them.
    public static var supportedOps: [String] { factories.keys.sorted() }

    public static func supports(opType: String, domain: String) -> Bool {
        isDefaultDomain(domain) && factories[opType] != nil
    }

    /// The kernel for `node`, or `EngineError.unsupportedOp` naming it.
    public static func kernel(for node: Node, opset: Int) throws(EngineError) -> any Kernel {
        if node.domain == QDQFusion.domain, let factory = QDQFusion.factories[node.opType] {
            return try factory(node, opset)
        }
        guard isDefaultDomain(node.domain), let factory = factories[node.opType] else {
            throw .unsupportedOp(node: node.displayName, opType: node.opType, domain: node.domain)
        }
        return try factory(node, opset)
    }

    static func isDefaultDomain(_ domain: String) -> Bool {
        domain.isEmpty || domain == "ai.onnx"
    }
}
