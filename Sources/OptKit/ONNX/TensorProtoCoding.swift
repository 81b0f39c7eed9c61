import Foundation

/// A decoded `TensorProto`: a computable tensor, or the original protobuf of one the engine
/// cannot hold.
enum DecodedTensor {
    case dense(Tensor)
    case opaque(OpaqueTensor)
}

/// Conversion between ONNX `TensorProto` and `Tensor`. Reads every encoding the spec allows
/// for fixed-size element types (raw_data, the typed repeated fields, external data); writes
/// raw_data (little-endian, as the spec requires; this engine only runs on little-endian CPUs).
/// Every size is checked against the bytes actually present before anything is allocated.
enum TensorProtoCoding {
    /// Number of elements of `dims`, or an error for a negative dim or an overflowing product.
    static func elementCount(_ dims: [Int64], name: String) throws(ModelError) -> Int {
        var count = 1
        for dim in dims {
            guard dim >= 0 else { throw .invalidTensor(name: name, reason: "negative dim \(dim) in dims \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow else { throw .invalidTensor(name: name, reason: "dims \(dims) have more elements than memory can hold") }
            count = product
        }
        return count
    }

    static func decode(_ proto: Onnx_TensorProto, name: String, externalData: ExternalDataReader) throws(ModelError) -> DecodedTensor {
        let count = try elementCount(proto.dims, name: name)
        let shape = proto.dims.map { Int($0) }
        guard proto.dataType != 0 else { throw .invalidTensor(name: name, reason: "no element type (data_type is UNDEFINED)") }
        if proto.hasSegment {
            throw .invalidTensor(name: name, reason: "segmented tensors are not supported")
        }
        guard let dataType = DataType(rawValue: proto.dataType), let elementSize = dataType.byteSize else {
            return .opaque(try opaque(proto, name: name, shape: shape, externalData: externalData))
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw .invalidTensor(name: name, reason: "dims \(proto.dims) have more bytes than memory can hold") }

        if proto.dataLocation == .external {
            let reference = try ExternalDataReference(entries: proto.externalData, tensor: name)
            let (file, offset, length) = try externalData.range(of: reference, tensor: name, expectedBytes: byteCount)
            let storage = TensorStorage(byteCount: byteCount)
            try externalData.read(into: storage.bytes, file: file, offset: offset, length: length, tensor: name, location: reference.location)
            return .dense(Tensor(dataType: dataType, shape: shape, storage: storage))
        }
        if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw .invalidTensor(name: name, reason: sizeMismatch(have: "\(proto.rawData.count) bytes of raw_data", dims: proto.dims, dataType: dataType, need: "\(byteCount) bytes"))
            }
            let storage = TensorStorage(byteCount: byteCount)
            proto.rawData.withUnsafeBytes { buffer in
                if let base = buffer.baseAddress { storage.bytes.copyMemory(from: base, byteCount: byteCount) }
            }
            return .dense(Tensor(dataType: dataType, shape: shape, storage: storage))
        }
        return .dense(try decodeTypedFields(proto, name: name, dataType: dataType, shape: shape, count: count))
    }

    /// The typed repeated fields: which one carries which element type is fixed by the spec
    /// (int32_data also carries every narrower integer, bool, float16, bfloat16 and float8, one
    /// element per entry, in the entry's low bits).
    private static func decodeTypedFields(_ proto: Onnx_TensorProto, name: String, dataType: DataType, shape: [Int], count: Int) throws(ModelError) -> Tensor {
        // Which field must hold the data, checked before anything is allocated.
        let (have, field, perElement): (Int, String, Int) = switch dataType {
        case .float: (proto.floatData.count, "float_data", 1)
        case .complex64: (proto.floatData.count, "float_data", 2)
        case .double: (proto.doubleData.count, "double_data", 1)
        case .complex128: (proto.doubleData.count, "double_data", 2)
        case .int64: (proto.int64Data.count, "int64_data", 1)
        case .uint64, .uint32: (proto.uint64Data.count, "uint64_data", 1)
        default: (proto.int32Data.count, "int32_data", 1)
        }
        guard have == count * perElement else {
            throw .invalidTensor(name: name, reason: sizeMismatch(have: "\(have) entries of \(field)", dims: proto.dims, dataType: dataType, need: "\(count * perElement)"))
        }
        let tensor = Tensor(dataType: dataType, shape: shape)
        switch dataType {
        case .float, .complex64: copy(proto.floatData, into: tensor)
        case .double, .complex128: copy(proto.doubleData, into: tensor)
        case .int64: copy(proto.int64Data, into: tensor)
        case .uint64: copy(proto.uint64Data, into: tensor)
        case .uint32:
            let out = tensor.pointer(UInt32.self)
            for (i, v) in proto.uint64Data.enumerated() { out[i] = UInt32(truncatingIfNeeded: v) }
        case .int32: copy(proto.int32Data, into: tensor)
        case .int16, .uint16, .float16, .bfloat16:
            let out = tensor.pointer(UInt16.self)
            for (i, v) in proto.int32Data.enumerated() { out[i] = UInt16(truncatingIfNeeded: v) }
        case .bool:
            let out = tensor.pointer(UInt8.self)
            for (i, v) in proto.int32Data.enumerated() { out[i] = v != 0 ? 1 : 0 }
        case .int8, .uint8, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            let out = tensor.pointer(UInt8.self)
            for (i, v) in proto.int32Data.enumerated() { out[i] = UInt8(truncatingIfNeeded: v) }
        case .undefined, .string, .uint4, .int4, .float4e2m1, .uint2, .int2, .float6e2m3, .float6e3m2:
            // Filtered out by the caller (no fixed byte size).
            throw .invalidTensor(name: name, reason: "\(dataType) elements cannot be held as a dense tensor")
        }
        return tensor
    }

    private static func copy<T>(_ values: [T], into tensor: Tensor) {
        values.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { tensor.storage.bytes.copyMemory(from: base, byteCount: buffer.count) }
        }
    }

    private static func sizeMismatch(have: String, dims: [Int64], dataType: DataType, need: String) -> String {
        "data holds \(have) but dims \(dims) of \(dataType) need \(need)"
    }

    /// Keeps a tensor the engine cannot hold as its protobuf, with external data read in so a
    /// save does not depend on the original folder. The data size is checked where the
    /// packing is known (strings: one entry per element; 4-bit: two per byte).
    private static func opaque(_ proto: Onnx_TensorProto, name: String, shape: [Int], externalData: ExternalDataReader) throws(ModelError) -> OpaqueTensor {
        let count = shape.reduce(1, *)
        var proto = proto
        let dataType = DataType(rawValue: proto.dataType)
        let packedBytes: Int? = switch dataType {
        case .uint4, .int4, .float4e2m1: count / 2 + count % 2
        default: nil
        }
        if proto.dataLocation == .external {
            let reference = try ExternalDataReference(entries: proto.externalData, tensor: name)
            if dataType == .string {
                throw .externalData(tensor: name, location: reference.location, reason: "string tensors cannot be stored externally")
            }
            let (file, offset, length) = try externalData.range(of: reference, tensor: name, expectedBytes: packedBytes)
            var data = Data(count: length)
            var failure: ModelError?
            data.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                do throws(ModelError) {
                    try externalData.read(into: base, file: file, offset: offset, length: length, tensor: name, location: reference.location)
                } catch { failure = error }
            }
            if let failure { throw failure }
            proto.externalData = []
            proto.clearDataLocation()
            proto.rawData = data
        } else if dataType == .string {
            guard proto.stringData.count == count else {
                throw .invalidTensor(name: name, reason: "data holds \(proto.stringData.count) strings but dims \(proto.dims) need \(count)")
            }
        } else if let packedBytes {
            let have = proto.hasRawData ? proto.rawData.count : proto.int32Data.count
            let need = packedBytes
            guard have == need else {
                throw .invalidTensor(name: name, reason: "data holds \(have) \(proto.hasRawData ? "bytes" : "int32_data entries") but dims \(proto.dims) of \(dataType!) need \(need)")
            }
        }
        let typeName = dataType.map(\.description) ?? "element type \(proto.dataType)"
        return OpaqueTensor(
            name: name, dataTypeNumber: proto.dataType, shape: shape,
            reason: "\(typeName) tensors are kept as stored but not computed", payload: .dense(proto))
    }

    /// A `TensorProto` holding `tensor` as raw_data.
    static func encode(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        fill(&proto, from: tensor)
        return proto
    }

    /// Replaces the payload, dims and element type of `proto` with `tensor`'s, keeping its
    /// name, doc string, metadata and unknown fields.
    static func fill(_ proto: inout Onnx_TensorProto, from tensor: Tensor) {
        stripPayload(&proto)
        proto.dims = tensor.shape.map(Int64.init)
        proto.dataType = tensor.dataType.rawValue
        proto.rawData = Data(bytes: tensor.storage.bytes, count: tensor.byteCount)
    }

    /// Removes the data (inline or external) from `proto`, so that a kept original does not hold
    /// a second copy of the weights; `fill` puts them back on save.
    static func stripPayload(_ proto: inout Onnx_TensorProto) {
        proto.floatData = []
        proto.int32Data = []
        proto.int64Data = []
        proto.doubleData = []
        proto.uint64Data = []
        proto.stringData = []
        proto.clearRawData()
        proto.externalData = []
        proto.clearDataLocation()
    }
}
