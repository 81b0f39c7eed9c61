import Foundation

/// What the loader read for one node. A save starts from `proto` and replaces only what the IR
/// changed, so doc strings, metadata, unknown fields and attributes the IR cannot represent
/// (subgraphs, sparse tensors, type protos) are written back as they were read.
struct NodeOrigin: Sendable {
    /// The node as read, with the data of dense tensor attributes removed (the IR holds it).
    var proto: Onnx_NodeProto
    /// The attributes as decoded at load, to tell which ones a pass changed.
    var attributes: [String: AttributeValue]
    /// Values of the enclosing graph that subgraph attributes read (outer-scope references).
    var subgraphInputs: [String]
}

extension Node {
    /// Values of the enclosing graph read by this node's subgraphs (If/Loop/Scan bodies). They
    /// are uses as real as `inputs`: a pass must not remove or rename them.
    public var subgraphInputs: [String] { origin?.subgraphInputs ?? [] }

    /// Whether the node holds subgraph attributes, which the engine does not run.
    public var hasSubgraphs: Bool {
        attributes.values.contains {
            if case .opaque(let kind) = $0 { return kind == "graph" || kind == "graphs" }
            return false
        }
    }
}

enum AttributeCoding {
    static func decode(_ proto: Onnx_AttributeProto, node: String, externalData: ExternalDataReader) throws(ModelError) -> AttributeValue {
        if !proto.refAttrName.isEmpty { return .opaque(kind: "reference") }
        switch kind(of: proto) {
        case .float: return .float(proto.f)
        case .int: return .int(Int(proto.i))
        case .string: return .string(String(decoding: proto.s, as: UTF8.self))
        case .floats: return .floats(proto.floats)
        case .ints: return .ints(proto.ints.map { Int($0) })
        case .strings: return .strings(proto.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensor:
            let name = "\(node).\(proto.name)"
            switch try TensorProtoCoding.decode(proto.t, name: name, externalData: externalData) {
            case .dense(let tensor): return .tensor(tensor)
            case .opaque: return .opaque(kind: "tensor")
            }
        case .graph: return .opaque(kind: "graph")
        case .graphs: return .opaque(kind: "graphs")
        case .sparseTensor: return .opaque(kind: "sparse_tensor")
        case .sparseTensors: return .opaque(kind: "sparse_tensors")
        case .tensors: return .opaque(kind: "tensors")
        case .typeProto: return .opaque(kind: "type_proto")
        case .typeProtos: return .opaque(kind: "type_protos")
        case .undefined: return .opaque(kind: "undefined")
        }
    }

    /// The attribute's type; files from very old exporters leave `type` unset, so it is then
    /// read from the field that holds a value.
    static func kind(of proto: Onnx_AttributeProto) -> Onnx_AttributeProto.AttributeType {
        if proto.type != .undefined { return proto.type }
        if proto.hasF { return .float }
        if proto.hasI { return .int }
        if proto.hasS { return .string }
        if proto.hasT { return .tensor }
        if proto.hasG { return .graph }
        if !proto.floats.isEmpty { return .floats }
        if !proto.ints.isEmpty { return .ints }
        if !proto.strings.isEmpty { return .strings }
        if !proto.graphs.isEmpty { return .graphs }
        return .undefined
    }

    /// A fresh `AttributeProto` for an IR value; nil for `.opaque`, which has no IR form.
    static func encode(_ value: AttributeValue, name: String) -> Onnx_AttributeProto? {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch value {
        case .float(let v):
            proto.type = .float
            proto.f = v
        case .int(let v):
            proto.type = .int
            proto.i = Int64(v)
        case .string(let v):
            proto.type = .string
            proto.s = Data(v.utf8)
        case .tensor(let t):
            proto.type = .tensor
            proto.t = TensorProtoCoding.encode(t, name: "")
            proto.t.clearName()
        case .floats(let v):
            proto.type = .floats
            proto.floats = v
        case .ints(let v):
            proto.type = .ints
            proto.ints = v.map(Int64.init)
        case .strings(let v):
            proto.type = .strings
            proto.strings = v.map { Data($0.utf8) }
        case .opaque:
            return nil
        }
        return proto
    }
}

extension AttributeValue {
    /// Whether two values mean the same thing: floats by bit pattern (so NaN equals itself),
    /// tensors by type, shape and bytes. Used to tell whether a pass changed an attribute.
    func isSame(as other: AttributeValue) -> Bool {
        switch (self, other) {
        case let (.float(a), .float(b)): a.bitPattern == b.bitPattern
        case let (.int(a), .int(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.floats(a), .floats(b)): a.map(\.bitPattern) == b.map(\.bitPattern)
        case let (.ints(a), .ints(b)): a == b
        case let (.strings(a), .strings(b)): a == b
        case let (.tensor(a), .tensor(b)): a.hasSameContents(as: b)
        case let (.opaque(a), .opaque(b)): a == b
        default: false
        }
    }
}

extension Tensor {
    /// Same element type, shape and bytes (cheap when both share storage).
    func hasSameContents(as other: Tensor) -> Bool {
        guard dataType == other.dataType, shape == other.shape else { return false }
        if storage === other.storage { return true }
        return memcmp(storage.bytes, other.storage.bytes, byteCount) == 0
    }
}
