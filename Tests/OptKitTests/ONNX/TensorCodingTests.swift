import Foundation
import Testing
@testable import OptKit

@Suite("TensorProto conversion and tensor files")
struct TensorCodingTests {
    private func decode(_ proto: Onnx_TensorProto) throws -> Tensor {
        let data: Data = try proto.serializedBytes()
        return try TensorFile.decode(data).tensor
    }

    private func proto(_ type: DataType, dims: [Int]) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = "t"
        p.dataType = type.rawValue
        p.dims = dims.map(Int64.init)
        return p
    }

    @Test func typedFieldsOfEveryFixedSizeType() throws {
        var p = proto(.float, dims: [3])
        p.floatData = [1.5, -2, 3]
        #expect(try decode(p).elements(Float.self) == [1.5, -2, 3])

        p = proto(.int8, dims: [3])
        p.int32Data = [-1, 127, -128]
        #expect(try decode(p).elements(Int8.self) == [-1, 127, -128])

        p = proto(.uint8, dims: [2])
        p.int32Data = [255, 7]
        #expect(try decode(p).elements(UInt8.self) == [255, 7])

        p = proto(.int16, dims: [2])
        p.int32Data = [-300, 300]
        #expect(try decode(p).elements(Int16.self) == [-300, 300])

        p = proto(.uint16, dims: [1])
        p.int32Data = [65535]
        #expect(try decode(p).elements(UInt16.self) == [65535])

        p = proto(.bool, dims: [3])
        p.int32Data = [0, 1, 5]
        #expect(try decode(p).elements(UInt8.self) == [0, 1, 1])

        p = proto(.float16, dims: [2])
        p.int32Data = [0x3C00, 0xC000]  // 1.0 and -2.0 as float16 bit patterns
        #expect(try decode(p).elements(UInt16.self) == [0x3C00, 0xC000])

        p = proto(.bfloat16, dims: [1])
        p.int32Data = [0x3F80]
        #expect(try decode(p).elements(UInt16.self) == [0x3F80])

        p = proto(.int32, dims: [2])
        p.int32Data = [Int32.min, 9]
        #expect(try decode(p).elements(Int32.self) == [Int32.min, 9])

        p = proto(.int64, dims: [2])
        p.int64Data = [Int64.max, -1]
        #expect(try decode(p).elements(Int64.self) == [Int64.max, -1])

        p = proto(.double, dims: [2])
        p.doubleData = [0.25, -1e300]
        #expect(try decode(p).elements(Double.self) == [0.25, -1e300])

        p = proto(.uint32, dims: [1])
        p.uint64Data = [4_000_000_000]
        #expect(try decode(p).elements(UInt32.self) == [4_000_000_000])

        p = proto(.uint64, dims: [1])
        p.uint64Data = [UInt64.max]
        #expect(try decode(p).elements(UInt64.self) == [UInt64.max])

        p = proto(.complex64, dims: [1])
        p.floatData = [1, 2]
        #expect(try decode(p).elements(UInt64.self).count == 1)

        p = proto(.float8e4m3fn, dims: [2])
        p.int32Data = [0x38, 0x40]
        #expect(try decode(p).elements(UInt8.self) == [0x38, 0x40])
    }

    @Test func rawDataAndEmptyTensors() throws {
        var p = proto(.int64, dims: [2, 0])
        #expect(try decode(p).count == 0)
        p = proto(.int32, dims: [2])
        p.rawData = [Int32(7), -7].withUnsafeBytes { Data($0) }
        #expect(try decode(p).elements(Int32.self) == [7, -7])
    }

    @Test func stringAndFourBitTensorsAreKeptButNotComputed() throws {
        var p = proto(.string, dims: [2])
        p.stringData = [Data("a".utf8), Data("b".utf8)]
        let data: Data = try p.serializedBytes()
        #expect(throws: ModelError.invalidTensor(name: "t", reason: "string tensors are kept as stored but not computed")) {
            try TensorFile.decode(data)
        }

        // In a model, such an initializer is kept as protobuf and written back unchanged.
        var int4 = proto(.int4, dims: [3])
        int4.name = "packed"
        int4.rawData = Data([0x21, 0x03])
        var labels = p
        labels.name = "labels"
        let model = ProtoBuilder.model(
            nodes: [ProtoBuilder.node("Identity", ["x"], ["y"])],
            inputs: [ProtoBuilder.valueInfo("x", .float, [1])], outputs: [ProtoBuilder.valueInfo("y", .float, [1])],
            initializers: [int4, labels])
        let loaded = try Model(serializedData: ProtoBuilder.serialized(model))
        #expect(loaded.graph.opaqueInitializers["packed"]?.dataType == .int4)
        #expect(loaded.graph.opaqueInitializers["labels"]?.shape == [2])
        #expect(try Onnx_ModelProto(serializedBytes: loaded.serializedData()) == model)
    }

    @Test func tensorFilesRoundTrip() throws {
        let folder = try ProtoBuilder.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("input_0.pb")
        let tensor = Tensor([Float(1), 2, 3, 4, 5, 6], shape: [1, 2, 3])
        try TensorFile.write(tensor, name: "obs", to: url)
        let (name, read) = try TensorFile.read(contentsOf: url)
        #expect(name == "obs")
        #expect(read.shape == [1, 2, 3])
        #expect(read.elements(Float.self) == [1, 2, 3, 4, 5, 6])

        let ints = Tensor([Int64(-5), 9], shape: [2])
        try TensorFile.write(ints, name: "", to: url)
        #expect(try TensorFile.read(contentsOf: url).tensor.elements(Int64.self) == [-5, 9])
    }

    @Test func badTensorFiles() throws {
        let folder = try ProtoBuilder.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("output_0.pb")
        let good = try TensorFile.serializedData(Tensor([Float(1), 2, 3, 4], shape: [4]), name: "y")
        try good.prefix(good.count - 4).write(to: url)
        #expect(throws: ModelError.truncated(source: url.path)) { try TensorFile.read(contentsOf: url) }
        #expect(throws: ModelError.fileNotFound(path: folder.appendingPathComponent("none.pb").path)) {
            try TensorFile.read(contentsOf: folder.appendingPathComponent("none.pb"))
        }
    }
}
