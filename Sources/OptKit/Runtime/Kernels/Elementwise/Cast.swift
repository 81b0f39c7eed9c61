/// Cast between float, float16, double, bool and the 8- to 64-bit integers, with numpy's
/// conversion rules (what ONNX's reference implementation computes):
/// - floating to integer truncates toward zero through int64; NaN and values outside int64
///   give int64.min before narrowing, which is what x86's conversion (and so numpy) yields;
///   narrower integers then keep the low bits (300.0 to uint8 is 44);
/// - floating to float16 rounds to nearest even, once, also from double;
/// - anything to bool is `value != 0`; bool to anything is 0 or 1.
/// Other element types (strings, bfloat16, float8, int4, …) are unsupported configurations.

/// A type Cast can write, built from each kind of source element.
protocol CastTarget: Sendable {
    static var dataType: DataType { get }
    static func fromFloat(_ x: Float) -> Self
    static func fromDouble(_ x: Double) -> Self
    static func fromInteger<S: FixedWidthInteger>(_ x: S) -> Self
    static func fromBool(_ x: Bool) -> Self
}

extension Float: CastTarget {
    @inline(__always) static func fromFloat(_ x: Float) -> Float { x }
    @inline(__always) static func fromDouble(_ x: Double) -> Float { Float(x) }
    @inline(__always) static func fromInteger<S: FixedWidthInteger>(_ x: S) -> Float { Float(x) }
    @inline(__always) static func fromBool(_ x: Bool) -> Float { x ? 1 : 0 }
}

extension Double: CastTarget {
    @inline(__always) static func fromFloat(_ x: Float) -> Double { Double(x) }
    @inline(__always) static func fromDouble(_ x: Double) -> Double { x }
    @inline(__always) static func fromInteger<S: FixedWidthInteger>(_ x: S) -> Double { Double(x) }
    @inline(__always) static func fromBool(_ x: Bool) -> Double { x ? 1 : 0 }
}

extension Half: CastTarget {
    @inline(__always) static func fromFloat(_ x: Float) -> Half { Half(x) }
    @inline(__always) static func fromDouble(_ x: Double) -> Half { Half(bits: HalfConversion.halfBits(x)) }
    // Integers beyond 2^24 round twice here; their half value is infinity either way.
    @inline(__always) static func fromInteger<S: FixedWidthInteger>(_ x: S) -> Half { Half(Float(x)) }
    @inline(__always) static func fromBool(_ x: Bool) -> Half { x ? .one : .zero }
}

/// Integer targets share the truncating conversions.
protocol IntegerCastTarget: CastTarget, FixedWidthInteger {}

extension IntegerCastTarget {
    @inline(__always) static func fromFloat(_ x: Float) -> Self { fromDouble(Double(x)) }
    @inline(__always) static func fromDouble(_ x: Double) -> Self {
        // uint64 keeps the values in [2^63, 2^64) that int64 cannot hold, as numpy does.
        if Self.bitWidth == 64 && !Self.isSigned && x >= 9_223_372_036_854_775_808 && x < 18_446_744_073_709_551_616 {
            return Self(truncatingIfNeeded: UInt64(x))
        }
        let wide: Int64 = x > -9_223_372_036_854_775_809 && x < 9_223_372_036_854_775_808 ? Int64(x) : .min
        return Self(truncatingIfNeeded: wide)
    }
    @inline(__always) static func fromInteger<S: FixedWidthInteger>(_ x: S) -> Self { Self(truncatingIfNeeded: x) }
    @inline(__always) static func fromBool(_ x: Bool) -> Self { x ? 1 : 0 }
}

extension Int8: IntegerCastTarget {}
extension UInt8: IntegerCastTarget {}
extension Int16: IntegerCastTarget {}
extension UInt16: IntegerCastTarget {}
extension Int32: IntegerCastTarget {}
extension UInt32: IntegerCastTarget {}
extension Int64: IntegerCastTarget {}
extension UInt64: IntegerCastTarget {}

/// A bool element as stored: one byte, 0 or 1. Any non-zero byte read from a file counts as true.
struct BoolByte: CastTarget {
    var byte: UInt8
    static var dataType: DataType { .bool }
    @inline(__always) static func fromFloat(_ x: Float) -> BoolByte { BoolByte(byte: x != 0 ? 1 : 0) }
    @inline(__always) static func fromDouble(_ x: Double) -> BoolByte { BoolByte(byte: x != 0 ? 1 : 0) }
    @inline(__always) static func fromInteger<S: FixedWidthInteger>(_ x: S) -> BoolByte { BoolByte(byte: x != 0 ? 1 : 0) }
    @inline(__always) static func fromBool(_ x: Bool) -> BoolByte { BoolByte(byte: x ? 1 : 0) }
}

// Loop functions, one per kind of source element; each is specialized per target type.
private struct FromFloat<D: CastTarget>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> D { .fromFloat(x) }
}

private struct FromDouble<D: CastTarget>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Double) -> D { .fromDouble(x) }
}

private struct FromHalf<D: CastTarget>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: UInt16) -> D { .fromFloat(HalfConversion.float(x)) }
}

private struct FromBool<D: CastTarget>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: UInt8) -> D { .fromBool(x != 0) }
}

private struct FromInteger<S: FixedWidthInteger & Sendable, D: CastTarget>: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: S) -> D { .fromInteger(x) }
}

/// `input` converted to `D`, or nil when the input's type is not one Cast reads.
private func convert<D: CastTarget>(_ input: Tensor, to _: D.Type, context: KernelContext) -> Tensor? {
    let type = D.dataType
    return switch input.dataType {
    case .float: mapElements(FromFloat<D>(), input, outputType: type, context: context)
    case .double: mapElements(FromDouble<D>(), input, outputType: type, context: context)
    case .float16: mapElements(FromHalf<D>(), input, outputType: type, context: context)
    case .bool: mapElements(FromBool<D>(), input, outputType: type, context: context)
    case .int8: mapElements(FromInteger<Int8, D>(), input, outputType: type, context: context)
    case .uint8: mapElements(FromInteger<UInt8, D>(), input, outputType: type, context: context)
    case .int16: mapElements(FromInteger<Int16, D>(), input, outputType: type, context: context)
    case .uint16: mapElements(FromInteger<UInt16, D>(), input, outputType: type, context: context)
    case .int32: mapElements(FromInteger<Int32, D>(), input, outputType: type, context: context)
    case .uint32: mapElements(FromInteger<UInt32, D>(), input, outputType: type, context: context)
    case .int64: mapElements(FromInteger<Int64, D>(), input, outputType: type, context: context)
    case .uint64: mapElements(FromInteger<UInt64, D>(), input, outputType: type, context: context)
    default: nil
    }
}

/// Whether Cast can produce `dataType`.
private func isCastTarget(_ dataType: DataType) -> Bool {
    switch dataType {
    case .float, .double, .float16, .bool, .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64: true
    default: false
    }
}

/// `input` converted to `dataType` (a copy even when the types match, so the result never
/// aliases the input). Used by Cast and by kernels that need their inputs in one type.
func castTensor(_ input: Tensor, to dataType: DataType, node: String, context: KernelContext) throws(EngineError) -> Tensor {
    let result: Tensor? =
        switch dataType {
        case .float: convert(input, to: Float.self, context: context)
        case .double: convert(input, to: Double.self, context: context)
        case .float16: convert(input, to: Half.self, context: context)
        case .bool: convert(input, to: BoolByte.self, context: context)
        case .int8: convert(input, to: Int8.self, context: context)
        case .uint8: convert(input, to: UInt8.self, context: context)
        case .int16: convert(input, to: Int16.self, context: context)
        case .uint16: convert(input, to: UInt16.self, context: context)
        case .int32: convert(input, to: Int32.self, context: context)
        case .uint32: convert(input, to: UInt32.self, context: context)
        case .int64: convert(input, to: Int64.self, context: context)
        case .uint64: convert(input, to: UInt64.self, context: context)
        default: nil
        }
    guard let result else {
        throw .unsupportedAttribute(
            node: node, attribute: "element type", message: "casting \(input.dataType) to \(dataType) is not supported")
    }
    return result
}

/// Cast (opsets 6 to 21): `to` is read and checked when the model is prepared. Opset 19's
/// `saturate` only concerns float8 targets, which are unsupported here.
struct CastKernel: Kernel {
    let node: String
    let target: DataType

    init(_ node: Node) throws(EngineError) {
        self.node = node.displayName
        guard let raw = try node.intAttribute("to") else {
            throw .invalidAttribute(node: self.node, attribute: "to", message: "is required")
        }
        guard raw > 0 else {
            throw .invalidAttribute(node: self.node, attribute: "to", message: "\(raw) is not an ONNX data type")
        }
        // Numbers this build does not know are data types of a newer ONNX (int2, float8e8m0, …).
        guard let type = Int32(exactly: raw).flatMap(DataType.init(rawValue:)) else {
            throw .unsupportedAttribute(node: self.node, attribute: "to", message: "data type \(raw) is not supported")
        }
        guard isCastTarget(type) else {
            throw .unsupportedAttribute(node: self.node, attribute: "to", message: "casting to \(type) is not supported")
        }
        target = type
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        [try castTensor(try inputs.required(0, node), to: target, node: node, context: context)]
    }
}
