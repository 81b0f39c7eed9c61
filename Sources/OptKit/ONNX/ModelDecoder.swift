import Foundation
import SwiftProtobuf

/// What the loader keeps of the file beyond the IR, so a save rebuilds only what changed.
struct ModelSource: Sendable {
    /// The `ModelProto` as read, minus the graph's nodes and initializers (held by the IR, each
    /// node with its own original proto). Everything else — functions, training info, graph
    /// inputs, outputs and value_info as declared, unknown fields — stays here.
    var proto: Onnx_ModelProto
    /// Initializer names (dense, opaque and sparse) in file order.
    var initializerOrder: [String]
    /// The original `TensorProto` of each dense initializer, without its data.
    var initializerProtos: [String: Onnx_TensorProto]
    /// The dense initializers as loaded, to tell which ones a pass replaced.
    var loadedInitializers: [String: Tensor]
    /// The model's default-domain spelling of each opset domain ("ai.onnx" or "") as read.
    var opsetDomainSpelling: [String: String]
    /// Whether any tensor was read from an external data file.
    var usedExternalData: Bool
}

enum ModelDecoder {
    /// The model-level fields the IR exposes.
    struct Fields {
        var graph: Graph
        var opsetImports: [String: Int]
        var irVersion: Int
        var producerName: String
        var producerVersion: String
        var domain: String
        var modelVersion: Int
        var docString: String
        var metadata: [String: String]
    }

    static func decode(_ data: Data, sourceName: String, externalData: ExternalDataReader) throws(ModelError) -> (Fields, ModelSource) {
        var proto = try parse(data, sourceName: sourceName)
        guard proto.hasGraph else {
            if !proto.hasIrVersion && proto.opsetImport.isEmpty {
                throw .notONNX(source: sourceName, reason: data.isEmpty ? "the file is empty" : "it has neither an IR version nor a graph")
            }
            throw .invalidModel(reason: "the model has no graph")
        }

        var opsets: [String: Int] = [:]
        var spelling: [String: String] = [:]
        guard !proto.opsetImport.isEmpty else { throw .invalidModel(reason: "the model imports no operator set (opset_import is empty)") }
        for entry in proto.opsetImport {
            let key = KernelRegistry.isDefaultDomain(entry.domain) ? "" : entry.domain
            guard opsets[key] == nil else { throw .invalidModel(reason: "operator set '\(entry.domain)' is imported twice") }
            guard entry.version >= 1, entry.version <= Int64(Int32.max) else {
                throw .invalidModel(reason: "operator set '\(entry.domain)' has version \(entry.version)")
            }
            opsets[key] = Int(entry.version)
            spelling[key] = entry.domain
        }

        var metadata: [String: String] = [:]
        for entry in proto.metadataProps { metadata[entry.key] = entry.value }

        let decodedGraph = try decodeGraph(proto.graph, externalData: externalData)
        proto.graph.node = []
        proto.graph.initializer = []
        proto.graph.sparseInitializer = []

        let fields = Fields(
            graph: decodedGraph.graph, opsetImports: opsets, irVersion: Int(proto.irVersion),
            producerName: proto.producerName, producerVersion: proto.producerVersion, domain: proto.domain,
            modelVersion: Int(proto.modelVersion), docString: proto.docString, metadata: metadata)
        let source = ModelSource(
            proto: proto, initializerOrder: decodedGraph.initializerOrder,
            initializerProtos: decodedGraph.initializerProtos, loadedInitializers: decodedGraph.graph.initializers,
            opsetDomainSpelling: spelling, usedExternalData: !externalData.fileSizes.isEmpty)
        return (fields, source)
    }

    /// Parses the protobuf, telling a truncated ONNX file from something else. A truncated
    /// file usually fails in the middle of a field; when its first field is still the IR
    /// version every ONNX writer puts first, it is reported as truncated.
    private static func parse(_ data: Data, sourceName: String) throws(ModelError) -> Onnx_ModelProto {
        do {
            return try Onnx_ModelProto(serializedBytes: data)
        } catch BinaryDecodingError.truncated {
            if let first = data.first, first == 0x08 { throw .truncated(source: sourceName) }
            throw .notONNX(source: sourceName, reason: "its bytes are not a protobuf message")
        } catch BinaryDecodingError.messageDepthLimit {
            throw .notONNX(source: sourceName, reason: "messages are nested too deeply")
        } catch BinaryDecodingError.invalidUTF8 {
            throw .notONNX(source: sourceName, reason: "a text field is not valid UTF-8")
        } catch {
            throw .notONNX(source: sourceName, reason: "its bytes are not a protobuf message")
        }
    }

    struct DecodedGraph {
        var graph: Graph
        var initializerOrder: [String]
        var initializerProtos: [String: Onnx_TensorProto]
    }

    static func decodeGraph(_ proto: Onnx_GraphProto, externalData: ExternalDataReader) throws(ModelError) -> DecodedGraph {
        var graph = Graph(name: proto.name)
        var order: [String] = []
        var originals: [String: Onnx_TensorProto] = [:]
        /// Who defines each value, to report a value produced twice.
        var definedBy: [String: String] = [:]

        for (index, tensorProto) in proto.initializer.enumerated() {
            let name = tensorProto.name
            guard !name.isEmpty else { throw .invalidTensor(name: "initializer #\(index)", reason: "it has no name") }
            guard definedBy[name] == nil else { throw .duplicateOutput(value: name, node: "initializer") }
            definedBy[name] = "initializer"
            order.append(name)
            switch try TensorProtoCoding.decode(tensorProto, name: name, externalData: externalData) {
            case .dense(let tensor):
                graph.initializers[name] = tensor
                var stripped = tensorProto
                TensorProtoCoding.stripPayload(&stripped)
                originals[name] = stripped
            case .opaque(let opaque):
                graph.opaqueInitializers[name] = opaque
            }
        }
        for (index, sparse) in proto.sparseInitializer.enumerated() {
            let name = sparse.values.name
            guard !name.isEmpty else { throw .invalidTensor(name: "sparse initializer #\(index)", reason: "it has no name") }
            guard definedBy[name] == nil else { throw .duplicateOutput(value: name, node: "initializer") }
            definedBy[name] = "initializer"
            order.append(name)
            var shape: [Int] = []
            for dim in sparse.dims {
                guard dim >= 0 else { throw .invalidTensor(name: name, reason: "negative dim \(dim) in dims \(sparse.dims)") }
                shape.append(Int(dim))
            }
            _ = try TensorProtoCoding.elementCount(sparse.dims, name: name)
            graph.opaqueInitializers[name] = OpaqueTensor(
                name: name, dataTypeNumber: sparse.values.dataType, shape: shape,
                reason: "sparse initializers are kept as stored but not computed", payload: .sparse(sparse))
        }

        var inputNames = Set<String>()
        for input in proto.input {
            guard inputNames.insert(input.name).inserted else { throw .duplicateOutput(value: input.name, node: "graph input") }
            if definedBy[input.name] != nil { continue }  // an initializer's default-value declaration
            definedBy[input.name] = "graph input"
            graph.inputs.append(ValueInfo(name: input.name, type: tensorType(input.type)))
        }
        graph.outputs = proto.output.map { ValueInfo(name: $0.name, type: tensorType($0.type)) }
        for info in proto.valueInfo {
            if let type = tensorType(info.type) { graph.valueInfo[info.name] = type }
        }

        graph.nodes.reserveCapacity(proto.node.count)
        for (index, nodeProto) in proto.node.enumerated() {
            let node = try decodeNode(nodeProto, index: index, externalData: externalData)
            for output in node.outputs where !output.isEmpty {
                if definedBy[output] != nil { throw .duplicateOutput(value: output, node: node.displayName) }
                definedBy[output] = node.displayName
            }
            graph.nodes.append(node)
        }
        do {
            _ = try graph.topologicalOrder()
        } catch {
            switch error {
            case .cycle(let node): throw .cyclicGraph(node: node)
            }
        }
        return DecodedGraph(graph: graph, initializerOrder: order, initializerProtos: originals)
    }

    static func decodeNode(_ proto: Onnx_NodeProto, index: Int, externalData: ExternalDataReader) throws(ModelError) -> Node {
        let label = proto.name.isEmpty ? "\(proto.opType)(\(proto.output.first ?? "#\(index)"))" : proto.name
        guard !proto.opType.isEmpty else { throw .invalidModel(reason: "node '\(label)' has no op_type") }
        var attributes: [String: AttributeValue] = [:]
        var stripped = proto
        var subgraphInputs: [String] = []
        for (position, attribute) in proto.attribute.enumerated() {
            guard attributes[attribute.name] == nil else {
                throw .invalidModel(reason: "node '\(label)' has attribute '\(attribute.name)' twice")
            }
            let value = try AttributeCoding.decode(attribute, node: label, externalData: externalData)
            attributes[attribute.name] = value
            switch value {
            case .tensor:
                TensorProtoCoding.stripPayload(&stripped.attribute[position].t)
            case .opaque(kind: "graph"):
                subgraphInputs += SubgraphScope.outerReferences(of: [attribute.g])
            case .opaque(kind: "graphs"):
                subgraphInputs += SubgraphScope.outerReferences(of: attribute.graphs)
            case .opaque(kind: "tensor") where attribute.t.dataLocation == .external:
                // Kept as protobuf: bring the bytes in so the save does not depend on the folder.
                let reference = try ExternalDataReference(entries: attribute.t.externalData, tensor: "\(label).\(attribute.name)")
                stripped.attribute[position].t.rawData = try externalData.readData(reference, tensor: "\(label).\(attribute.name)")
                stripped.attribute[position].t.externalData = []
                stripped.attribute[position].t.clearDataLocation()
            default:
                break
            }
        }
        var seen = Set<String>()
        subgraphInputs = subgraphInputs.filter { seen.insert($0).inserted }
        var node = Node(
            name: proto.name, opType: proto.opType, domain: proto.domain,
            inputs: proto.input, outputs: proto.output, attributes: attributes)
        node.origin = NodeOrigin(proto: stripped, attributes: attributes, subgraphInputs: subgraphInputs)
        return node
    }

    /// The static type of a `TypeProto` when it is a tensor of a known element type.
    static func tensorType(_ type: Onnx_TypeProto) -> TensorType? {
        guard case .tensorType(let tensor)? = type.value, let dataType = DataType(rawValue: tensor.elemType),
              dataType != .undefined
        else { return nil }
        guard tensor.hasShape else { return TensorType(dataType: dataType, shape: nil) }
        let dims: [Dim] = tensor.shape.dim.map { dim in
            switch dim.value {
            case .dimValue(let v)?: v >= 0 ? .fixed(Int(v)) : .unknown
            case .dimParam(let p)?: p.isEmpty ? .unknown : .symbolic(p)
            case nil: .unknown
            }
        }
        return TensorType(dataType: dataType, shape: dims)
    }
}

/// Outer-scope references of subgraphs: the values a subgraph reads that it does not define
/// itself (its inputs, initializers and node outputs), through any depth of nesting.
enum SubgraphScope {
    static func outerReferences(of graphs: [Onnx_GraphProto]) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for graph in graphs {
            for name in references(of: graph) where seen.insert(name).inserted { result.append(name) }
        }
        return result
    }

    private static func references(of graph: Onnx_GraphProto) -> [String] {
        var defined = Set(graph.input.map(\.name))
        defined.formUnion(graph.initializer.map(\.name))
        defined.formUnion(graph.sparseInitializer.map(\.values.name))
        for node in graph.node { defined.formUnion(node.output) }
        var used: [String] = []
        for node in graph.node {
            used += node.input
            for attribute in node.attribute {
                if attribute.hasG { used += references(of: attribute.g) }
                for nested in attribute.graphs { used += references(of: nested) }
            }
        }
        used += graph.output.map(\.name)
        var seen = Set<String>()
        return used.filter { !$0.isEmpty && !defined.contains($0) && seen.insert($0).inserted }
    }
}
