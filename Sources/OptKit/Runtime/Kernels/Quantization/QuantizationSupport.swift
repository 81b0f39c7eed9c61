import CKernels

/// Quantization ops: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, the integer
/// products (MatMulInteger, ConvInteger) and the requantizing ones (QLinearMatMul,
/// QLinearConv). The executor also builds the integer kernels for the DequantizeLinear ->
/// Conv/MatMul/Gemm -> QuantizeLinear patterns of QDQ models (see `QDQFusion`).
let quantizationKernelFactories: [String: KernelFactory] = [
    "QuantizeLinear": { node, opset throws(EngineError) in try QuantizeLinearKernel(node: node, opset: opset) },
    "DequantizeLinear": { node, opset throws(EngineError) in try DequantizeLinearKernel(node: node, opset: opset) },
    "DynamicQuantizeLinear": { node, _ in DynamicQuantizeLinearKernel(node: node.displayName) },
    "MatMulInteger": { node, _ in IntegerMatMulKernel(node: node, mode: .integer) },
    "QLinearMatMul": { node, _ in IntegerMatMulKernel(node: node, mode: .requantize) },
    "ConvInteger": { node, _ throws(EngineError) in try IntegerConvKernel(node: node, mode: .integer) },
    "QLinearConv": { node, _ throws(EngineError) in try IntegerConvKernel(node: node, mode: .requantize) },
]

/// The integer element types the quantization kernels read and write, with their ranges.
enum QuantizedType: Sendable {
    case uint8, int8, uint16, int16

    init?(_ dataType: DataType) {
        switch dataType {
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .uint16: self = .uint16
        case .int16: self = .int16
        default: return nil
        }
    }

    var dataType: DataType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        }
    }

    var range: ClosedRange<Int32> {
        switch self {
        case .uint8: 0...255
        case .int8: -128...127
        case .uint16: 0...65535
        case .int16: -32768...32767
        }
    }

    var byteCount: Int { self == .uint8 || self == .int8 ? 1 : 2 }

    var isSigned: Bool { self == .int8 || self == .int16 }

    /// The element kind `ck_dequantize` reads.
    var dequantizeKind: Int32 {
        switch self {
        case .uint8: CK_QIN_U8
        case .int8: CK_QIN_S8
        case .uint16: CK_QIN_U16
        case .int16: CK_QIN_S16
        }
    }
}

extension Tensor {
    /// The elements of a float or float16 tensor (scales) as `Float`s.
    func scaleValues(_ node: String, _ what: String) throws(EngineError) -> [Float] {
        switch dataType {
        case .float: return elements(Float.self)
        case .float16: return elements(UInt16.self).map(HalfConversion.float)
        default: throw .invalidInput(node: node, message: "\(what) must be float or float16, got \(dataType)")
        }
    }

    /// The elements of an 8-, 16- or 32-bit integer tensor (zero points) as `Int32`s.
    func zeroPointValues(_ node: String, _ what: String) throws(EngineError) -> [Int32] {
        switch dataType {
        case .uint8: return elements(UInt8.self).map { Int32($0) }
        case .int8: return elements(Int8.self).map { Int32($0) }
        case .uint16: return elements(UInt16.self).map { Int32($0) }
        case .int16: return elements(Int16.self).map { Int32($0) }
        case .int32: return elements(Int32.self)
        default: throw .invalidInput(node: node, message: "\(what) must be an 8- or 16-bit integer tensor, got \(dataType)")
        }
    }
}

/// How a scale (and zero point) tensor maps onto the elements of the tensor it quantizes:
/// one value for all, one per index of `axis`, or one per block of `blockSize` indices of
/// `axis` (opset 21's blocked quantization, the scale having the input's rank).
struct QuantizationGrouping {
    /// Elements before the axis, along it, and after it.
    let outer: Int
    let axisLength: Int
    let inner: Int
    /// 0: one value; otherwise values are indexed [outer][axis index / blockSize][inner].
    let blockSize: Int
    let scaleAxisLength: Int
    /// The scale has the input's rank (opset 21 blocks), else it is 1-D per axis.
    let blocked: Bool

    init(input: [Int], scale: Tensor, axis: Int, blockSize: Int, node: String) throws(EngineError) {
        if scale.count == 1 && scale.rank <= 1 || input.isEmpty {
            outer = 1
            axisLength = 1
            inner = input.reduce(1, *)
            self.blockSize = 0
            scaleAxisLength = 1
            blocked = false
            guard scale.count == 1 else {
                throw .invalidInput(node: node, message: "a scalar input needs a single scale, got shape \(scale.shape)")
            }
            return
        }
        let axis = try normalizedAxis(axis, rank: input.count, node: node)
        outer = input[..<axis].reduce(1, *)
        axisLength = input[axis]
        inner = input[(axis + 1)...].reduce(1, *)
        if blockSize > 0 {
            let blocks = (axisLength + blockSize - 1) / blockSize
            var expected = input
            expected[axis] = blocks
            guard scale.shape == expected else {
                throw .invalidInput(node: node, message: "blocked scale of shape \(scale.shape) does not fit input \(input) with block_size \(blockSize) on axis \(axis) (expected \(expected))")
            }
            self.blockSize = blockSize
            scaleAxisLength = blocks
            blocked = true
        } else {
            guard scale.rank == 1, scale.count == axisLength else {
                throw .invalidInput(node: node, message: "per-axis scale must be 1-D with \(axisLength) values (axis \(axis) of \(input)), got shape \(scale.shape)")
            }
            self.blockSize = 1
            scaleAxisLength = axisLength
            blocked = false
        }
    }

    /// Calls `body(start, count, parameterIndex)` for each run of elements sharing one scale.
    func forEachRun(_ body: (Int, Int, Int) -> Void) {
        if blockSize == 0 {
            body(0, outer * axisLength * inner, 0)
            return
        }
        for o in 0..<outer {
            for a in 0..<axisLength {
                let start = (o * axisLength + a) * inner
                if blockSize == 1 && scaleAxisLength == axisLength && !blocked {
                    body(start, inner, a)
                } else {
                    let scaleRow = (o * scaleAxisLength + a / blockSize) * inner
                    for i in 0..<inner { body(start + i, 1, scaleRow + i) }
                }
            }
        }
    }
}
