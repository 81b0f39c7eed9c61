import Foundation
@testable import OptKit

/// Builds ONNX protobufs in Swift so the tests need no Python and no committed binaries.
enum ProtoBuilder {
    static func model(
        nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
        initializers: [Onnx_TensorProto] = [], valueInfo: [Onnx_ValueInfoProto] = [],
        opset: Int = 17, irVersion: Int = 8
    ) -> Onnx_ModelProto {
        var graph = Onnx_GraphProto()
        graph.name = "test"
        graph.node = nodes
        graph.input = inputs
        graph.output = outputs
        graph.initializer = initializers
        graph.valueInfo = valueInfo
        var model = Onnx_ModelProto()
        model.irVersion = Int64(irVersion)
        model.producerName = "tests"
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = Int64(opset)
        model.opsetImport = [opsetID]
        model.graph = graph
        return model
    }

    /// A dim spec: an Int is a fixed dim, a String a symbolic one, nil an unknown one.
    static func valueInfo(_ name: String, _ type: DataType, _ dims: [Any?]?) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = type.rawValue
        if let dims {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dims.map { spec in
                var dim = Onnx_TensorShapeProto.Dimension()
                if let v = spec as? Int { dim.dimValue = Int64(v) }
                if let s = spec as? String { dim.dimParam = s }
                return dim
            }
            tensor.shape = shape
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = outputs
        if !name.isEmpty { node.name = name }
        node.attribute = attributes
        return node
    }

    static func attribute(_ name: String, int value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func attribute(_ name: String, ints value: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = value.map(Int64.init)
        return a
    }

    static func attribute(_ name: String, float value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    static func attribute(_ name: String, tensor value: Onnx_TensorProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .tensor
        a.t = value
        return a
    }

    static func attribute(_ name: String, graph value: Onnx_GraphProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .graph
        a.g = value
        return a
    }

    static func floatTensor(_ name: String, _ values: [Float], dims: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = DataType.float.rawValue
        t.dims = dims.map(Int64.init)
        t.rawData = values.withUnsafeBytes { Data($0) }
        return t
    }

    static func int64Tensor(_ name: String, _ values: [Int64], dims: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = DataType.int64.rawValue
        t.dims = dims.map(Int64.init)
        t.int64Data = values
        return t
    }

    /// A tensor whose data lives in a file beside the model.
    static func externalTensor(_ name: String, dims: [Int], location: String, offset: Int? = nil, length: Int? = nil) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = DataType.float.rawValue
        t.dims = dims.map(Int64.init)
        t.dataLocation = .external
        var entries = [entry("location", location)]
        if let offset { entries.append(entry("offset", String(offset))) }
        if let length { entries.append(entry("length", String(length))) }
        t.externalData = entries
        return t
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }

    /// Bytes of a varint field `number` holding `value`: an unknown field to a reader that does
    /// not know `number`.
    static func unknownVarintField(number: Int, value: UInt8) -> Data {
        var bytes: [UInt8] = []
        var tag = UInt64(number << 3)
        while tag >= 0x80 {
            bytes.append(UInt8(tag & 0x7f) | 0x80)
            tag >>= 7
        }
        bytes.append(UInt8(tag))
        bytes.append(value & 0x7f)
        return Data(bytes)
    }

    /// `node` with an unknown field appended.
    static func withUnknownField(_ node: Onnx_NodeProto, number: Int = 999) throws -> Onnx_NodeProto {
        var data: Data = try node.serializedBytes()
        data.append(unknownVarintField(number: number, value: 42))
        return try Onnx_NodeProto(serializedBytes: data)
    }

    /// `model` with an unknown field appended.
    static func withUnknownField(_ model: Onnx_ModelProto, number: Int = 999) throws -> Onnx_ModelProto {
        var data: Data = try model.serializedBytes()
        data.append(unknownVarintField(number: number, value: 42))
        return try Onnx_ModelProto(serializedBytes: data)
    }

    static func serialized(_ model: Onnx_ModelProto) throws -> Data {
        try model.serializedBytes()
    }

    /// A fresh, empty temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("optkit-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
