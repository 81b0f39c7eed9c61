import Foundation
import OptKit

/// Tolerances of a comparison, with numpy's `assert_allclose` meaning:
/// |actual - expected| <= atol + rtol * |expected|.
struct Tolerance: Sendable, CustomStringConvertible {
    var rtol: Double
    var atol: Double

    /// ONNX's backend tests (`onnx.backend.test.runner`): rtol 1e-3, atol 1e-7.
    static let onnxBackend = Tolerance(rtol: 1e-3, atol: 1e-7)

    var description: String { "rtol \(rtol), atol \(atol)" }
}

/// Compares an output of the engine with the expected tensor as ONNX's backend test runner
/// does: same element type, same shape, then element-wise closeness for floating types (NaN
/// equals NaN, an infinity only equals the same infinity; bfloat16 gets at least two ulps of
/// relative tolerance as in ONNX's runner). Integer and boolean elements must be equal:
/// numpy's formula would grant them relative slack, which for an index or a count hides real
/// bugs. Returns nil when they match, else a message giving the first mismatch.
func mismatch(actual: Tensor, expected: Tensor, tolerance: Tolerance) -> String? {
    if actual.dataType != expected.dataType {
        return "element type \(actual.dataType), expected \(expected.dataType)"
    }
    if actual.shape != expected.shape {
        return "shape \(actual.shape), expected \(expected.shape)"
    }
    guard let got = ElementReader(actual), let want = ElementReader(expected) else {
        return "cannot compare elements of type \(actual.dataType)"
    }
    var rtol = tolerance.rtol
    if actual.dataType == .bfloat16 { rtol = max(rtol, 1.0 / 64) }

    var differing = 0
    var first: (index: Int, message: String)?
    var largest = 0.0
    for index in 0..<expected.count {
        let problem: String?
        if got.isFloatingPoint {
            let a = got.double(index), e = want.double(index)
            if a.isNaN && e.isNaN { continue }
            if a == e { continue }
            let difference = abs(a - e)
            let allowed = tolerance.atol + rtol * abs(e)
            // An infinity matches only itself (handled by ==); without this check an expected
            // infinity would allow any value, as inf <= inf.
            if difference <= allowed && a.isFinite && e.isFinite { continue }
            if difference.isFinite { largest = max(largest, difference) }
            problem = "got \(got.text(index)), expected \(want.text(index)) (|diff| \(short(difference)) > \(short(allowed)))"
        } else {
            if got.bits(index) == want.bits(index) { continue }
            problem = "got \(got.text(index)), expected \(want.text(index))"
        }
        differing += 1
        if first == nil, let problem { first = (index, problem) }
    }
    guard let first else { return nil }
    let position = multiIndex(first.index, shape: expected.shape)
    var message = "\(differing) of \(expected.count) elements differ (\(tolerance)); first at \(position): \(first.message)"
    if largest > 0 { message += "; largest |diff| \(short(largest))" }
    return message
}

/// The largest |actual - expected| over finite element pairs of two floating-point tensors of
/// the same type and shape; nil when they cannot be compared that way.
func largestDifference(actual: Tensor, expected: Tensor) -> Double? {
    guard actual.dataType == expected.dataType, actual.shape == expected.shape,
        let got = ElementReader(actual), let want = ElementReader(expected), got.isFloatingPoint
    else { return nil }
    var largest = 0.0
    for index in 0..<expected.count {
        let difference = abs(got.double(index) - want.double(index))
        if difference.isFinite { largest = max(largest, difference) }
    }
    return largest
}

/// Three significant digits, for differences and tolerances in messages.
func short(_ value: Double) -> String {
    String(format: "%.3g", value)
}

/// The index of element `flat` in a row-major tensor of `shape`.
func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var remainder = flat
    var index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = remainder % shape[axis]
        remainder /= shape[axis]
    }
    return index
}

/// Reads the elements of any dense tensor type as a Double (floating types) or as a bit
/// pattern (integers and bool), with a printable form for messages.
struct ElementReader {
    let isFloatingPoint: Bool
    let double: (Int) -> Double
    let bits: (Int) -> UInt64
    let text: (Int) -> String

    init?(_ tensor: Tensor) {
        let raw = UnsafeRawPointer(tensor.storage.bytes)
        func floating(_ value: @escaping (Int) -> Double) -> (Bool, (Int) -> Double, (Int) -> UInt64, (Int) -> String) {
            (true, value, { value($0).bitPattern }, { "\(value($0))" })
        }
        func exact<T: BinaryInteger>(_: T.Type) -> (Bool, (Int) -> Double, (Int) -> UInt64, (Int) -> String) {
            let p = raw.assumingMemoryBound(to: T.self)
            return (false, { Double(p[$0]) }, { UInt64(truncatingIfNeeded: p[$0]) }, { "\(p[$0])" })
        }
        let parts: (Bool, (Int) -> Double, (Int) -> UInt64, (Int) -> String)
        switch tensor.dataType {
        case .float:
            let p = raw.assumingMemoryBound(to: Float.self)
            // Printed as Float: shortest digits that identify the fp32 value.
            parts = (true, { Double(p[$0]) }, { UInt64(p[$0].bitPattern) }, { "\(p[$0])" })
        case .double:
            let p = raw.assumingMemoryBound(to: Double.self)
            parts = floating { p[$0] }
        case .float16:
            let p = raw.assumingMemoryBound(to: UInt16.self)
            parts = floating { Double(floatFromHalf(p[$0])) }
        case .bfloat16:
            let p = raw.assumingMemoryBound(to: UInt16.self)
            parts = floating { Double(Float(bitPattern: UInt32(p[$0]) << 16)) }
        case .int8: parts = exact(Int8.self)
        case .uint8: parts = exact(UInt8.self)
        case .int16: parts = exact(Int16.self)
        case .uint16: parts = exact(UInt16.self)
        case .int32: parts = exact(Int32.self)
        case .uint32: parts = exact(UInt32.self)
        case .int64: parts = exact(Int64.self)
        case .uint64: parts = exact(UInt64.self)
        case .bool:
            let p = raw.assumingMemoryBound(to: UInt8.self)
            parts = (false, { p[$0] != 0 ? 1 : 0 }, { p[$0] != 0 ? 1 : 0 }, { p[$0] != 0 ? "true" : "false" })
        default:
            return nil
        }
        (isFloatingPoint, double, bits, text) = parts
    }
}

/// IEEE 754 half precision to single precision, including subnormals, infinities and NaN.
func floatFromHalf(_ half: UInt16) -> Float {
    let sign = UInt32(half & 0x8000) << 16
    let exponent = Int(half >> 10) & 0x1F
    let fraction = UInt32(half & 0x3FF)
    switch exponent {
    case 0:
        // Zero or subnormal: fraction * 2^-24.
        let magnitude = Float(fraction) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
    default:
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (fraction << 13))
    }
}
