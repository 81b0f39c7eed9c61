import Foundation
import SwiftProtobuf

/// One serialized `TensorProto` per file, the layout of ONNX test_data_set folders
/// (`input_0.pb`, `output_0.pb`) and of calibration data exported from Python with
/// `onnx.numpy_helper.from_array(...).SerializeToString()`.
public enum TensorFile {
    /// Reads a tensor file. External data, if the tensor uses it, is looked up beside the file.
    public static func read(contentsOf url: URL) throws(ModelError) -> (name: String, tensor: Tensor) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: url.path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: url.path, reason: "it is a folder") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        return try decode(data, baseDirectory: url.deletingLastPathComponent(), sourceName: url.path)
    }

    /// Decodes a serialized `TensorProto`.
    public static func decode(_ data: Data, baseDirectory: URL? = nil) throws(ModelError) -> (name: String, tensor: Tensor) {
        try decode(data, baseDirectory: baseDirectory, sourceName: "the tensor data")
    }

    /// Writes `tensor` as a `TensorProto` named `name`, through a temporary file and a rename.
    public static func write(_ tensor: Tensor, name: String, to url: URL) throws(ModelError) {
        let data = try serializedData(tensor, name: name)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    /// `tensor` as a serialized `TensorProto` (raw_data, little-endian).
    public static func serializedData(_ tensor: Tensor, name: String) throws(ModelError) -> Data {
        do {
            return try TensorProtoCoding.encode(tensor, name: name).serializedBytes()
        } catch {
            throw .writeFailed(path: name, reason: "a tensor file cannot exceed protobuf's 2 GiB limit")
        }
    }

    private static func decode(_ data: Data, baseDirectory: URL?, sourceName: String) throws(ModelError) -> (name: String, tensor: Tensor) {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: data)
        } catch BinaryDecodingError.truncated {
            throw .truncated(source: sourceName)
        } catch {
            throw .notONNX(source: sourceName, reason: "its bytes are not a TensorProto")
        }
        guard proto.hasDataType || !proto.dims.isEmpty || proto.hasRawData else {
            throw .notONNX(source: sourceName, reason: data.isEmpty ? "the file is empty" : "it has no tensor fields")
        }
        let name = proto.name.isEmpty ? sourceName : proto.name
        let reader = ExternalDataReader(baseDirectory: baseDirectory)
        switch try TensorProtoCoding.decode(proto, name: name, externalData: reader) {
        case .dense(let tensor):
            return (proto.name, tensor)
        case .opaque(let opaque):
            throw .invalidTensor(name: name, reason: opaque.reason)
        }
    }
}
