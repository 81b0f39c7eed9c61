/// Element types, numbered as ONNX's `TensorProto.DataType` so a value read from a file maps
/// directly. The engine computes in a subset (see `isComputable`); the rest can be loaded,
/// inspected and saved untouched.
public enum DataType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case undefined = 0
    case float = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case double = 11
    case uint32 = 12
    case uint64 = 13
    case complex64 = 14
    case complex128 = 15
    case bfloat16 = 16
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26
    case float6e2m3 = 27
    case float6e3m2 = 28

    /// Bytes per element in dense storage; nil for strings and sub-byte types.
    public var byteSize: Int? {
        switch self {
        case .float, .int32, .uint32: 4
        case .uint8, .int8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .int64, .uint64, .double, .complex64: 8
        case .complex128: 16
        case .undefined, .string, .uint4, .int4, .float4e2m1, .uint2, .int2, .float6e2m3, .float6e3m2: nil
        }
    }

    /// The ONNX spelling (`tensor(float)` uses this name), used in messages and `inspect`.
    public var description: String {
        switch self {
        case .undefined: "undefined"
        case .float: "float"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .float16: "float16"
        case .double: "double"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .complex64: "complex64"
        case .complex128: "complex128"
        case .bfloat16: "bfloat16"
        case .float8e4m3fn: "float8e4m3fn"
        case .float8e4m3fnuz: "float8e4m3fnuz"
        case .float8e5m2: "float8e5m2"
        case .float8e5m2fnuz: "float8e5m2fnuz"
        case .uint4: "uint4"
        case .int4: "int4"
        case .float4e2m1: "float4e2m1"
        case .float8e8m0: "float8e8m0"
        case .uint2: "uint2"
        case .int2: "int2"
        case .float6e2m3: "float6e2m3"
        case .float6e3m2: "float6e3m2"
        }
    }
}
