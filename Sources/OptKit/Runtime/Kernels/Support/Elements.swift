import Foundation

/// A Swift type that holds one element of a dense tensor of `dataType`.
protocol TensorElement: Sendable {
    static var dataType: DataType { get }
}

/// An element type the arithmetic, comparison and reduction kernels compute in. Kernels are
/// generic over it and specialized per type, so adding a data type means adding one conformance
/// (and one case in `DataType.visitNumeric`), not touching every kernel.
///
/// Integer semantics follow numpy, which ONNX's reference implementation uses: arithmetic wraps
/// on overflow, division truncates toward zero, and division by zero gives 0 instead of trapping
/// (the engine never crashes on data).
protocol NumericElement: TensorElement {
    static var zero: Self { get }
    static var one: Self { get }
    /// The identity of a max-reduction: -inf for floating types, the minimum for integers.
    static var lowest: Self { get }
    /// The identity of a min-reduction.
    static var highest: Self { get }
    /// `Self(n)` for an element count (ReduceMean's divisor).
    init(count: Int)

    static func add(_ a: Self, _ b: Self) -> Self
    static func subtract(_ a: Self, _ b: Self) -> Self
    static func multiply(_ a: Self, _ b: Self) -> Self
    static func divide(_ a: Self, _ b: Self) -> Self
    static func power(_ a: Self, _ b: Self) -> Self
    /// Minimum and maximum propagate NaN, as numpy's `minimum`/`maximum` do.
    static func minimum(_ a: Self, _ b: Self) -> Self
    static func maximum(_ a: Self, _ b: Self) -> Self
    static func isLess(_ a: Self, _ b: Self) -> Bool
    static func isEqual(_ a: Self, _ b: Self) -> Bool
    static func negate(_ a: Self) -> Self
    static func magnitude(_ a: Self) -> Self
}

// MARK: - Floating-point conformances

extension NumericElement where Self: BinaryFloatingPoint {
    static var one: Self { 1 }
    static var lowest: Self { -.infinity }
    static var highest: Self { .infinity }
    init(count: Int) { self.init(count) }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self { a / b }
    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self { a < b || a != a ? a : b }
    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self { a > b || a != a ? a : b }
    @inline(__always) static func isLess(_ a: Self, _ b: Self) -> Bool { a < b }
    @inline(__always) static func isEqual(_ a: Self, _ b: Self) -> Bool { a == b }
    @inline(__always) static func negate(_ a: Self) -> Self { -a }
    @inline(__always) static func magnitude(_ a: Self) -> Self { Swift.abs(a) }
}

extension Float: NumericElement {
    static var dataType: DataType { .float }
    @inline(__always) static func power(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
}

extension Double: NumericElement {
    static var dataType: DataType { .double }
    @inline(__always) static func power(_ a: Double, _ b: Double) -> Double { Foundation.pow(a, b) }
}

// MARK: - Integer conformances

extension NumericElement where Self: FixedWidthInteger {
    static var one: Self { 1 }
    static var lowest: Self { .min }
    static var highest: Self { .max }
    init(count: Int) { self.init(truncatingIfNeeded: count) }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self {
        // Division by zero gives 0 (numpy's result) and Int.min / -1 wraps, instead of trapping.
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    /// Exponentiation by squaring with wrapping; a negative exponent truncates `1 / a^-b` to an
    /// integer (1 for a == 1, ±1 for a == -1, else 0).
    static func power(_ a: Self, _ b: Self) -> Self {
        if b < 0 {
            if a == 1 { return 1 }
            if Self.isSigned && a == 0 &- 1 { return b & 1 == 0 ? 1 : a }
            return 0
        }
        var result: Self = 1
        var base = a
        var exponent = b
        while exponent != 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self { a < b ? a : b }
    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self { a > b ? a : b }
    @inline(__always) static func isLess(_ a: Self, _ b: Self) -> Bool { a < b }
    @inline(__always) static func isEqual(_ a: Self, _ b: Self) -> Bool { a == b }
    @inline(__always) static func negate(_ a: Self) -> Self { 0 &- a }
    @inline(__always) static func magnitude(_ a: Self) -> Self { a < 0 ? 0 &- a : a }
}

extension Int8: NumericElement { static var dataType: DataType { .int8 } }
extension UInt8: NumericElement { static var dataType: DataType { .uint8 } }
extension Int16: NumericElement { static var dataType: DataType { .int16 } }
extension UInt16: NumericElement { static var dataType: DataType { .uint16 } }
extension Int32: NumericElement { static var dataType: DataType { .int32 } }
extension UInt32: NumericElement { static var dataType: DataType { .uint32 } }
extension Int64: NumericElement { static var dataType: DataType { .int64 } }
extension UInt64: NumericElement { static var dataType: DataType { .uint64 } }

// MARK: - Float16

/// An IEEE half-precision element, kept as its bit pattern. Swift's `Float16` is unavailable on
/// some platforms the package declares (Intel macOS), and owning the conversion keeps
/// round-to-nearest-even explicit. Arithmetic goes through `Float`, which is exact for the
/// basic operations before the final rounding.
struct Half: NumericElement, Equatable {
    var bits: UInt16

    init(bits: UInt16) { self.bits = bits }
    init(_ value: Float) { bits = HalfConversion.halfBits(value) }
    init(count: Int) { self.init(Float(count)) }

    var float: Float { HalfConversion.float(bits) }

    static var dataType: DataType { .float16 }
    static var zero: Half { Half(bits: 0) }
    static var one: Half { Half(bits: 0x3c00) }
    static var lowest: Half { Half(bits: 0xfc00) }
    static var highest: Half { Half(bits: 0x7c00) }

    static func add(_ a: Half, _ b: Half) -> Half { Half(a.float + b.float) }
    static func subtract(_ a: Half, _ b: Half) -> Half { Half(a.float - b.float) }
    static func multiply(_ a: Half, _ b: Half) -> Half { Half(a.float * b.float) }
    static func divide(_ a: Half, _ b: Half) -> Half { Half(a.float / b.float) }
    static func power(_ a: Half, _ b: Half) -> Half { Half(Foundation.pow(a.float, b.float)) }
    static func minimum(_ a: Half, _ b: Half) -> Half { a.float < b.float || a.float.isNaN ? a : b }
    static func maximum(_ a: Half, _ b: Half) -> Half { a.float > b.float || a.float.isNaN ? a : b }
    static func isLess(_ a: Half, _ b: Half) -> Bool { a.float < b.float }
    static func isEqual(_ a: Half, _ b: Half) -> Bool { a.float == b.float }
    static func negate(_ a: Half) -> Half { Half(bits: a.bits ^ 0x8000) }
    static func magnitude(_ a: Half) -> Half { Half(bits: a.bits & 0x7fff) }
}

// MARK: - Type dispatch

/// A computation generic over the numeric element type; `DataType.visitNumeric` calls it with
/// the concrete Swift type of a tensor's data type, so each use is specialized and vectorizes.
protocol NumericTypeVisitor {
    associatedtype Result
    func visit<T: NumericElement>(_ type: T.Type) throws(EngineError) -> Result
}

/// A data-movement computation generic over an unsigned integer of the element's width, for
/// ops that copy elements without reading them (Transpose, Gather, Where, …).
protocol RawTypeVisitor {
    associatedtype Result
    func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_ type: T.Type) throws(EngineError) -> Result
}

extension DataType {
    /// Calls `visitor` with this type's element type; nil when no kernel computes in it.
    func visitNumeric<V: NumericTypeVisitor>(_ visitor: V) throws(EngineError) -> V.Result? {
        switch self {
        case .float: try visitor.visit(Float.self)
        case .double: try visitor.visit(Double.self)
        case .float16: try visitor.visit(Half.self)
        case .int8: try visitor.visit(Int8.self)
        case .uint8: try visitor.visit(UInt8.self)
        case .int16: try visitor.visit(Int16.self)
        case .uint16: try visitor.visit(UInt16.self)
        case .int32: try visitor.visit(Int32.self)
        case .uint32: try visitor.visit(UInt32.self)
        case .int64: try visitor.visit(Int64.self)
        case .uint64: try visitor.visit(UInt64.self)
        default: nil
        }
    }

    /// Calls `visitor` with an unsigned integer type as wide as one element; nil for types
    /// without a whole-byte width the engine stores (strings, sub-byte and 16-byte types).
    func visitRaw<V: RawTypeVisitor>(_ visitor: V) throws(EngineError) -> V.Result? {
        switch byteSize {
        case 1: try visitor.visit(UInt8.self)
        case 2: try visitor.visit(UInt16.self)
        case 4: try visitor.visit(UInt32.self)
        case 8: try visitor.visit(UInt64.self)
        default: nil
        }
    }

    /// Whether `visitNumeric` handles this type.
    var isNumericElement: Bool {
        isInteger || self == .float || self == .double || self == .float16
    }

    /// Signed or unsigned integer types (not bool).
    var isInteger: Bool {
        switch self {
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64: true
        default: false
        }
    }
}
