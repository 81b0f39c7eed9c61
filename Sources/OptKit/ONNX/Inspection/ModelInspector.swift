import Foundation

/// The service behind `optctl inspect`: loads a model and summarizes it.
public enum ModelInspector {
    /// Nodes listed per unsupported op type; the count says how many there are in all.
    static let nodesListed = 5

    /// Loads the model at `url` and reports on it.
    public static func inspect(contentsOf url: URL) throws(ModelError) -> ModelReport {
        let model = try Model.load(contentsOf: url)
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let bytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        return report(for: model, path: url.path, modelFileBytes: bytes)
    }

    /// The report for a model already in memory; `modelFileBytes` is the size of its file.
    public static func report(for model: Model, path: String, modelFileBytes: Int) -> ModelReport {
        let graph = model.graph
        let inferred = graph.inferTypes(opsets: model.opsetImports)
        func summary(_ info: ValueInfo) -> ModelReport.ValueSummary {
            let type = info.type ?? inferred.types[info.name]
            return .init(name: info.name, dtype: type.map { $0.dataType.description }, shape: type?.shape?.map(ModelReport.DimSummary.init))
        }

        var counts: [String: (opType: String, domain: String, count: Int, nodes: [String])] = [:]
        var subgraphNodes: [ModelReport.SubgraphNode] = []
        var parameters = 0
        var parameterBytes = 0
        for node in graph.nodes {
            let key = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
            counts[key, default: (node.opType, node.domain, 0, [])].count += 1
            if counts[key]!.nodes.count < nodesListed { counts[key]!.nodes.append(node.displayName) }
            if node.hasSubgraphs { subgraphNodes.append(.init(node: node.displayName, opType: node.opType)) }
            if node.opType == "Constant" {
                let (elements, bytes) = constantSize(node)
                parameters = saturatingAdd(parameters, elements)
                parameterBytes = saturatingAdd(parameterBytes, bytes)
            }
        }
        for tensor in graph.initializers.values {
            parameters = saturatingAdd(parameters, tensor.count)
            parameterBytes = saturatingAdd(parameterBytes, tensor.byteCount)
        }
        for opaque in graph.opaqueInitializers.values {
            // A sparse initializer's dense shape can be enormous; the sums saturate.
            parameters = saturatingAdd(parameters, opaque.count)
            if let size = opaque.dataType?.byteSize {
                let (bytes, overflow) = opaque.count.multipliedReportingOverflow(by: size)
                parameterBytes = saturatingAdd(parameterBytes, overflow ? Int.max : bytes)
            }
        }

        let histogram = counts.values
            .map { ModelReport.OpCount(opType: $0.opType, domain: $0.domain, count: $0.count, runnable: KernelRegistry.supports(opType: $0.opType, domain: $0.domain)) }
            .sorted { ($0.count, $1.domain + $1.opType) > ($1.count, $0.domain + $0.opType) }
        let unsupported = counts.values
            .filter { !KernelRegistry.supports(opType: $0.opType, domain: $0.domain) }
            .map { ModelReport.UnsupportedOp(opType: $0.opType, domain: $0.domain, count: $0.count, nodes: $0.nodes) }
            .sorted { ($0.domain, $0.opType) < ($1.domain, $1.opType) }
        let problems = graph.validate(opsets: model.opsetImports, checkKernels: false).map(\.description)

        let external = model.externalDataFiles.map { ModelReport.ExternalDataFile(location: $0.key, bytes: $0.value) }
            .sorted { $0.location < $1.location }
        let opsets = model.opsetImports
            .map { ModelReport.OpsetImport(domain: $0.key.isEmpty ? "ai.onnx" : $0.key, version: $0.value) }
            .sorted { ($0.domain == "ai.onnx" ? 0 : 1, $0.domain) < ($1.domain == "ai.onnx" ? 0 : 1, $1.domain) }

        return ModelReport(
            path: path,
            fileBytes: modelFileBytes + external.reduce(0) { $0 + $1.bytes },
            modelFileBytes: modelFileBytes,
            externalDataFiles: external,
            irVersion: model.irVersion,
            producerName: model.producerName,
            producerVersion: model.producerVersion,
            opsetImports: opsets,
            metadata: model.metadata,
            inputs: graph.inputs.map(summary),
            outputs: graph.outputs.map(summary),
            nodeCount: graph.nodes.count,
            opHistogram: histogram,
            parameterCount: parameters,
            parameterBytes: parameterBytes,
            initializerCount: graph.initializers.count + graph.opaqueInitializers.count,
            unsupportedOps: unsupported,
            subgraphOps: subgraphNodes,
            runnable: unsupported.isEmpty && subgraphNodes.isEmpty,
            problems: problems)
    }

    private static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    /// Elements and bytes of the tensor a Constant node holds.
    private static func constantSize(_ node: Node) -> (Int, Int) {
        for value in node.attributes.values {
            switch value {
            case .tensor(let tensor): return (tensor.count, tensor.byteCount)
            case .floats(let v): return (v.count, v.count * 4)
            case .ints(let v): return (v.count, v.count * 8)
            case .float: return (1, 4)
            case .int: return (1, 8)
            default: continue
            }
        }
        return (0, 0)
    }
}
