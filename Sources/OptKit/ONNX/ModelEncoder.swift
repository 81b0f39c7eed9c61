import Foundation
import SwiftProtobuf

/// Builds a `ModelProto` from a `Model`. A model that was loaded starts from the proto it was
/// read from; each piece the IR holds is compared with what was loaded and rebuilt only when a
/// pass changed it, so the file keeps its doc strings, metadata, functions, training info,
/// unknown fields and attributes the IR cannot represent.
enum ModelEncoder {
    /// Initializers at least `threshold` bytes large go to the data file `fileName`.
    struct ExternalLayout {
        var fileName: String
        var threshold: Int
    }

    struct Encoded {
        var proto: Onnx_ModelProto
        /// Tensors to write to the data file, at these offsets, in order.
        var externalTensors: [(offset: Int, tensor: Tensor)]
    }

    static func encode(_ model: Model, policy: ExternalLayout?) throws(ModelError) -> Encoded {
        let source = model.source
        var proto = source?.proto ?? Onnx_ModelProto()
        if !proto.hasIrVersion || proto.irVersion != Int64(model.irVersion) { proto.irVersion = Int64(model.irVersion) }
        if proto.producerName != model.producerName { proto.producerName = model.producerName }
        if proto.producerVersion != model.producerVersion { proto.producerVersion = model.producerVersion }
        if proto.domain != model.domain { proto.domain = model.domain }
        if proto.modelVersion != Int64(model.modelVersion) { proto.modelVersion = Int64(model.modelVersion) }
        if proto.docString != model.docString { proto.docString = model.docString }
        proto.opsetImport = opsetEntries(model, original: proto.opsetImport)
        proto.metadataProps = metadataEntries(model.metadata, original: proto.metadataProps)

        var external: [(offset: Int, tensor: Tensor)] = []
        proto.graph = try encodeGraph(model, original: proto.graph, source: source, policy: policy, external: &external)
        return Encoded(proto: proto, externalTensors: external)
    }

    static func serialize(_ proto: Onnx_ModelProto, destination: String) throws(ModelError) -> Data {
        do {
            return try proto.serializedBytes()
        } catch {
            // swift-protobuf reports its 2 GiB message limit this way.
            throw .writeFailed(path: destination, reason: "the model is larger than protobuf's 2 GiB limit; write it with external data")
        }
    }

    private static func opsetEntries(_ model: Model, original: [Onnx_OperatorSetIdProto]) -> [Onnx_OperatorSetIdProto] {
        var entries: [Onnx_OperatorSetIdProto] = []
        var written = Set<String>()
        for entry in original {
            let key = KernelRegistry.isDefaultDomain(entry.domain) ? "" : entry.domain
            guard let version = model.opsetImports[key], written.insert(key).inserted else { continue }
            var kept = entry
            if kept.version != Int64(version) { kept.version = Int64(version) }
            entries.append(kept)
        }
        for key in model.opsetImports.keys.sorted() where !written.contains(key) {
            var entry = Onnx_OperatorSetIdProto()
            entry.domain = key
            entry.version = Int64(model.opsetImports[key]!)
            entries.append(entry)
        }
        return entries
    }

    private static func metadataEntries(_ metadata: [String: String], original: [Onnx_StringStringEntryProto]) -> [Onnx_StringStringEntryProto] {
        var entries: [Onnx_StringStringEntryProto] = []
        var written = Set<String>()
        for entry in original {
            guard let value = metadata[entry.key], written.insert(entry.key).inserted else { continue }
            var kept = entry
            if kept.value != value { kept.value = value }
            entries.append(kept)
        }
        for key in metadata.keys.sorted() where !written.contains(key) {
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = metadata[key]!
            entries.append(entry)
        }
        return entries
    }

    private static func encodeGraph(
        _ model: Model, original: Onnx_GraphProto, source: ModelSource?, policy: ExternalLayout?,
        external: inout [(offset: Int, tensor: Tensor)]
    ) throws(ModelError) -> Onnx_GraphProto {
        let graph = model.graph
        var proto = original
        if proto.name != graph.name { proto.name = graph.name }
        proto.node = try graph.nodes.map { node throws(ModelError) in try encodeNode(node) }

        // Initializers: file order for the ones still there, then new ones by name.
        let allNames = Set(graph.initializers.keys).union(graph.opaqueInitializers.keys)
        var order = (source?.initializerOrder ?? []).filter { allNames.contains($0) }
        let known = Set(order)
        order += allNames.filter { !known.contains($0) }.sorted()
        var dense: [Onnx_TensorProto] = []
        var sparse: [Onnx_SparseTensorProto] = []
        var dataFileSize = 0
        for name in order {
            if let tensor = graph.initializers[name] {
                var tensorProto = source?.initializerProtos[name] ?? Onnx_TensorProto()
                if tensorProto.name != name { tensorProto.name = name }
                if let policy, tensor.byteCount >= policy.threshold {
                    TensorProtoCoding.stripPayload(&tensorProto)
                    tensorProto.dims = tensor.shape.map(Int64.init)
                    tensorProto.dataType = tensor.dataType.rawValue
                    // Page-aligned offsets let a reader map large tensors straight from the file.
                    let alignment = tensor.byteCount >= 4096 ? 4096 : 16
                    let offset = (dataFileSize + alignment - 1) / alignment * alignment
                    tensorProto.dataLocation = .external
                    tensorProto.externalData = ExternalDataReference(location: policy.fileName, offset: offset, length: tensor.byteCount).entries
                    external.append((offset, tensor))
                    dataFileSize = offset + tensor.byteCount
                } else {
                    TensorProtoCoding.fill(&tensorProto, from: tensor)
                }
                dense.append(tensorProto)
            } else if let opaque = graph.opaqueInitializers[name] {
                switch opaque.payload {
                case .dense(var tensorProto):
                    if tensorProto.name != name { tensorProto.name = name }
                    dense.append(tensorProto)
                case .sparse(let sparseProto):
                    sparse.append(sparseProto)
                }
            }
        }
        proto.initializer = dense
        proto.sparseInitializer = sparse

        proto.input = encodeInputs(model, original: original.input)
        let originalOutputs = Dictionary(original.output.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // ONNX requires a type on every graph output; one a pass added without a type gets the
        // inferred one (it stays untyped only if inference cannot tell).
        var outputs = graph.outputs
        if outputs.contains(where: { $0.type == nil }) {
            let inferred = graph.inferTypes(opsets: model.opsetImports).types
            for index in outputs.indices where outputs[index].type == nil { outputs[index].type = inferred[outputs[index].name] }
        }
        proto.output = outputs.map { encodeValueInfo($0, original: originalOutputs[$0.name]) }
        proto.valueInfo = encodeValueInfos(graph, original: original.valueInfo, originalOutputs: original.output)
        return proto
    }

    /// Graph inputs: the IR's inputs, plus the declarations of initializers that the file listed
    /// as inputs (default values a caller may override), plus — for IR version 3, where every
    /// initializer must be an input — declarations for new initializers.
    private static func encodeInputs(_ model: Model, original: [Onnx_ValueInfoProto]) -> [Onnx_ValueInfoProto] {
        let graph = model.graph
        let originalByName = Dictionary(original.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let irNames = graph.inputs.map(\.name)
        let irSet = Set(irNames)
        var encoded: [String: Onnx_ValueInfoProto] = [:]
        for input in graph.inputs { encoded[input.name] = encodeValueInfo(input, original: originalByName[input.name]) }

        var initializerInputs: [String] = []
        for input in original where !irSet.contains(input.name) {
            guard let type = initializerType(graph, input.name) else { continue }
            initializerInputs.append(input.name)
            encoded[input.name] = encodeValueInfo(ValueInfo(name: input.name, type: type), original: input)
        }
        if model.irVersion < 4 {
            let declared = Set(initializerInputs)
            for name in Set(graph.initializers.keys).union(graph.opaqueInitializers.keys).sorted()
            where !declared.contains(name) && !irSet.contains(name) {
                initializerInputs.append(name)
                encoded[name] = encodeValueInfo(ValueInfo(name: name, type: initializerType(graph, name)), original: nil)
            }
        }
        // Keep the file's interleaving when the IR's own inputs are still the file's, in order.
        let originalIRNames = original.map(\.name).filter { initializerType(graph, $0) == nil || irSet.contains($0) }
        var names: [String]
        if originalIRNames == irNames {
            names = original.map(\.name).filter { encoded[$0] != nil }
            let placed = Set(names)
            names += initializerInputs.filter { !placed.contains($0) }
        } else {
            names = irNames + initializerInputs
        }
        return names.compactMap { encoded[$0] }
    }

    private static func initializerType(_ graph: Graph, _ name: String) -> TensorType? {
        if let tensor = graph.initializers[name] {
            return TensorType(dataType: tensor.dataType, shape: tensor.shape.map(Dim.fixed))
        }
        return graph.opaqueInitializers[name]?.tensorType
    }

    /// value_info for values that nodes produce: the file's entries first (kept as read when the
    /// IR still has the same type, or when they describe a non-tensor type the IR cannot hold),
    /// then types the IR learned, in node order, then the declarations of former graph outputs
    /// that a pass turned into intermediate values. Entries for values no node produces are
    /// dropped.
    private static func encodeValueInfos(_ graph: Graph, original: [Onnx_ValueInfoProto], originalOutputs: [Onnx_ValueInfoProto]) -> [Onnx_ValueInfoProto] {
        var produced = Set<String>()
        for node in graph.nodes { produced.formUnion(node.outputs.filter { !$0.isEmpty }) }
        var excluded = Set(graph.inputs.map(\.name)).union(graph.outputs.map(\.name))
        excluded.formUnion(graph.initializers.keys)
        excluded.formUnion(graph.opaqueInitializers.keys)
        var entries: [Onnx_ValueInfoProto] = []
        var written = Set<String>()
        for info in original where produced.contains(info.name) && !excluded.contains(info.name) {
            guard written.insert(info.name).inserted else { continue }
            if let type = graph.valueInfo[info.name] {
                entries.append(encodeValueInfo(ValueInfo(name: info.name, type: type), original: info))
            } else if ModelDecoder.tensorType(info.type) == nil {
                entries.append(info)
            }
        }
        for node in graph.nodes {
            for output in node.outputs where !output.isEmpty && !excluded.contains(output) && !written.contains(output) {
                guard let type = graph.valueInfo[output] else { continue }
                written.insert(output)
                entries.append(encodeValueInfo(ValueInfo(name: output, type: type), original: nil))
            }
        }
        for info in originalOutputs where produced.contains(info.name) && !excluded.contains(info.name) {
            if written.insert(info.name).inserted { entries.append(info) }
        }
        return entries
    }

    static func encodeValueInfo(_ info: ValueInfo, original: Onnx_ValueInfoProto?) -> Onnx_ValueInfoProto {
        if let original, original.name == info.name, ModelDecoder.tensorType(original.type) == info.type {
            return original
        }
        var proto = original ?? Onnx_ValueInfoProto()
        proto.name = info.name
        if let type = info.type {
            proto.type = typeProto(type)
        } else {
            proto.clearType()
        }
        return proto
    }

    static func typeProto(_ type: TensorType) -> Onnx_TypeProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = type.dataType.rawValue
        if let shape = type.shape {
            var shapeProto = Onnx_TensorShapeProto()
            shapeProto.dim = shape.map { dim in
                var d = Onnx_TensorShapeProto.Dimension()
                switch dim {
                case .fixed(let v): d.dimValue = Int64(v)
                case .symbolic(let s): d.dimParam = s
                case .unknown: break
                }
                return d
            }
            tensor.shape = shapeProto
        }
        var proto = Onnx_TypeProto()
        proto.tensorType = tensor
        return proto
    }

    /// A node's proto: its original one with the IR's changes applied (an unchanged node comes
    /// out as it was read), or a fresh one for a node a pass created.
    static func encodeNode(_ node: Node) throws(ModelError) -> Onnx_NodeProto {
        var proto = node.origin?.proto ?? Onnx_NodeProto()
        if proto.name != node.name { proto.name = node.name }
        if proto.opType != node.opType { proto.opType = node.opType }
        if proto.domain != node.domain { proto.domain = node.domain }
        if proto.input != node.inputs { proto.input = node.inputs }
        if proto.output != node.outputs { proto.output = node.outputs }

        let loaded = node.origin?.attributes ?? [:]
        var attributes: [Onnx_AttributeProto] = []
        var written = Set<String>()
        for attribute in proto.attribute {
            guard let value = node.attributes[attribute.name], written.insert(attribute.name).inserted else { continue }
            if let before = loaded[attribute.name], before.isSame(as: value) {
                var kept = attribute
                if case .tensor(let tensor) = value { TensorProtoCoding.fill(&kept.t, from: tensor) }
                attributes.append(kept)
            } else {
                guard var fresh = AttributeCoding.encode(value, name: attribute.name) else {
                    throw .unencodableAttribute(node: node.displayName, attribute: attribute.name)
                }
                if attribute.hasDocString { fresh.docString = attribute.docString }
                attributes.append(fresh)
            }
        }
        for name in node.attributes.keys.sorted() where !written.contains(name) {
            guard let fresh = AttributeCoding.encode(node.attributes[name]!, name: name) else {
                throw .unencodableAttribute(node: node.displayName, attribute: name)
            }
            attributes.append(fresh)
        }
        proto.attribute = attributes
        return proto
    }
}
