import CKernels

/// QuantizeLinear (opsets 10, 13, 19, 21, 23+): y = saturate(round_half_even(x / y_scale) +
/// y_zero_point), per tensor, per axis (13+) or per block (21+). Output types uint8, int8,
/// uint16, int16 (the zero point's type, else `output_dtype`, else uint8); float8 and 4-bit
/// types are unsupported configurations. x and the scale may be float or float16; the
/// division is done in float, as ONNX's reference does for float inputs.
struct QuantizeLinearKernel: Kernel {
    let node: String
    let axis: Int
    let blockSize: Int
    let outputType: DataType?

    init(node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        axis = try node.intAttribute("axis", default: 1)
        blockSize = try node.intAttribute("block_size", default: 0)
        guard blockSize >= 0 else { throw .invalidAttribute(node: self.node, attribute: "block_size", message: "must not be negative, got \(blockSize)") }
        let declared = try node.intAttribute("output_dtype", default: 0)
        if declared != 0 {
            guard let type = DataType(rawValue: Int32(declared)), QuantizedType(type) != nil else {
                throw .unsupportedAttribute(node: self.node, attribute: "output_dtype", message: "element type \(declared) (the engine quantizes to uint8, int8, uint16 and int16)")
            }
            outputType = type
        } else {
            outputType = nil
        }
        if let precision = try node.intAttribute("precision"), precision != 0, precision != Int(DataType.float.rawValue) {
            throw .unsupportedAttribute(node: self.node, attribute: "precision", message: "element type \(precision) (the engine divides in float)")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let x = try inputs.required(0, node), scale = try inputs.required(1, node)
        let zeroPoint = inputs.optional(2)
        let typeSource = zeroPoint?.dataType ?? outputType ?? .uint8
        guard let type = QuantizedType(typeSource) else {
            throw .unsupportedAttribute(node: node, attribute: "y_zero_point", message: "element type \(typeSource) (the engine quantizes to uint8, int8, uint16 and int16)")
        }
        if let zeroPoint, let outputType, outputType != zeroPoint.dataType {
            throw .invalidInput(node: node, message: "output_dtype \(outputType) differs from the zero point's type \(zeroPoint.dataType)")
        }
        let values: [Float]
        let source: UnsafePointer<Float>
        let floatInput: Tensor
        switch x.dataType {
        case .float: floatInput = x
        case .float16: floatInput = try castTensor(x, to: .float, node: node, context: context)
        default: throw .invalidInput(node: node, message: "x must be float or float16, got \(x.dataType)")
        }
        source = UnsafePointer(floatInput.pointer(Float.self))
        let grouping = try QuantizationGrouping(input: x.shape, scale: scale, axis: axis, blockSize: blockSize, node: node)
        values = try scale.scaleValues(node, "y_scale")
        var zeros = [Int32](repeating: 0, count: values.count)
        if let zeroPoint {
            guard zeroPoint.shape == scale.shape || zeroPoint.count == scale.count else {
                throw .invalidInput(node: node, message: "y_zero_point of shape \(zeroPoint.shape) does not match y_scale's \(scale.shape)")
            }
            zeros = try zeroPoint.zeroPointValues(node, "y_zero_point")
        }
        let y = context.allocate(type.dataType, x.shape)
        let output = y.storage.bytes
        let range = type.range
        grouping.forEachRun { start, count, index in
            ck_quantize(source + start, count, values[index], zeros[index], range.lowerBound, range.upperBound,
                        Int32(type.byteCount), output + start * type.byteCount)
        }
        _ = floatInput
        return [y]
    }
}

/// DequantizeLinear (opsets 10, 13, 19, 21, 23+): y = (x - x_zero_point) * x_scale, per tensor,
/// per axis or per block. x may be uint8, int8, uint16, int16 or int32; y has the scale's type
/// (float or float16) unless `output_dtype` says otherwise.
struct DequantizeLinearKernel: Kernel {
    let node: String
    let axis: Int
    let blockSize: Int
    let outputType: DataType?

    init(node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        axis = try node.intAttribute("axis", default: 1)
        blockSize = try node.intAttribute("block_size", default: 0)
        guard blockSize >= 0 else { throw .invalidAttribute(node: self.node, attribute: "block_size", message: "must not be negative, got \(blockSize)") }
        let declared = try node.intAttribute("output_dtype", default: 0)
        if declared != 0 {
            guard let type = DataType(rawValue: Int32(declared)), type == .float || type == .float16 else {
                throw .unsupportedAttribute(node: self.node, attribute: "output_dtype", message: "element type \(declared) (the engine dequantizes to float and float16)")
            }
            outputType = type
        } else {
            outputType = nil
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let x = try inputs.required(0, node), scale = try inputs.required(1, node)
        let kind: Int32
        let elementBytes: Int
        if let type = QuantizedType(x.dataType) {
            kind = type.dequantizeKind
            elementBytes = type.byteCount
        } else if x.dataType == .int32 {
            kind = CK_QIN_I32
            elementBytes = 4
        } else {
            throw .unsupportedAttribute(node: node, attribute: "x", message: "element type \(x.dataType) (the engine dequantizes 8-, 16- and 32-bit integers)")
        }
        guard scale.dataType == .float || scale.dataType == .float16 else {
            throw .unsupportedAttribute(node: node, attribute: "x_scale", message: "element type \(scale.dataType) (float and float16 scales)")
        }
        let grouping = try QuantizationGrouping(input: x.shape, scale: scale, axis: axis, blockSize: blockSize, node: node)
        let scales = try scale.scaleValues(node, "x_scale")
        var zeros = [Int32](repeating: 0, count: scales.count)
        if let zeroPoint = inputs.optional(2) {
            guard zeroPoint.dataType == x.dataType else {
                throw .invalidInput(node: node, message: "x_zero_point has type \(zeroPoint.dataType), x has \(x.dataType)")
            }
            guard zeroPoint.count == scale.count else {
                throw .invalidInput(node: node, message: "x_zero_point of shape \(zeroPoint.shape) does not match x_scale's \(scale.shape)")
            }
            zeros = try zeroPoint.zeroPointValues(node, "x_zero_point")
        }
        let y = context.allocate(.float, x.shape)
        let output = y.pointer(Float.self), source = x.storage.bytes
        grouping.forEachRun { start, count, index in
            ck_dequantize(source + start * elementBytes, count, kind, scales[index], zeros[index], output + start)
        }
        let target = outputType ?? scale.dataType
        if target == .float16 {
            return [try castTensor(y, to: .float16, node: node, context: context)]
        }
        return [y]
    }
}

/// DynamicQuantizeLinear (opset 11): uint8 quantization of x over the range [min(x, 0),
/// max(x, 0)], returning y, the scale and the zero point, computed as ONNX's reference does.
struct DynamicQuantizeLinearKernel: Kernel {
    let node: String

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let x = try inputs.required(0, node)
        guard x.dataType == .float else { throw .invalidInput(node: node, message: "x must be float, got \(x.dataType)") }
        let (scale, zero) = Self.parameters(UnsafeBufferPointer(start: x.pointer(Float.self), count: x.count))
        let y = context.allocate(.uint8, x.shape)
        ck_quantize(x.pointer(Float.self), x.count, scale, Int32(zero), 0, 255, 1, y.storage.bytes)
        return [y, Tensor([scale], shape: []), Tensor(elements: [zero], dataType: .uint8, shape: [])]
    }

    /// The scale and zero point of the reference: scale = (max - min) / 255 over the range
    /// widened to include 0, zero = round(clamp(0 - min / scale, 0, 255)).
    static func parameters(_ values: UnsafeBufferPointer<Float>) -> (scale: Float, zero: UInt8) {
        var low: Float = 0, high: Float = 0
        for value in values where !value.isNaN {
            low = min(low, value)
            high = max(high, value)
        }
        let scale = (high == low ? 1 : high - low) / 255
        let initial = 0 - low / scale
        let clamped = max(0, min(255, initial))
        return (scale, UInt8(clamped.rounded(.toNearestOrEven)))
    }
}
