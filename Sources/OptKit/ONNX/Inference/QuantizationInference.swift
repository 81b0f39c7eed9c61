/// Quantization ops (issue 4): the quantized element type comes from the zero point (or, from
/// opset 21, QuantizeLinear's output_dtype), the dequantized one from the scale; integer
/// matrix products and convolutions accumulate in int32.
extension InferenceRules {
    static let quantizationRules: [String: InferenceRule] = [
        "QuantizeLinear": { context in
            var dataType: DataType = .uint8
            if context.has(2) {
                dataType = context.dataType(2) ?? .uint8
            } else if context.opset >= 21, let number = context.int("output_dtype"), number != 0,
                      let requested = DataType(rawValue: Int32(truncatingIfNeeded: number)) {
                dataType = requested
            }
            context.setOutput(0, dataType, context.shape(0))
        },
        "DequantizeLinear": { context in
            let dataType = context.opset >= 19 ? (context.dataType(1) ?? .float) : .float
            context.setOutput(0, dataType, context.shape(0))
        },
        "DynamicQuantizeLinear": { context in
            context.setOutput(0, .uint8, context.shape(0))
            context.setOutput(1, .float, [])
            context.setOutput(2, .uint8, [])
        },
        "MatMulInteger": { context in
            context.setOutput(0, .int32, matmulShape(&context, a: 0, b: 1))
        },
        "ConvInteger": { context in
            context.setOutput(0, .int32, convolutionShape(&context, x: 0, w: 1))
        },
        "QLinearMatMul": { context in
            // Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
            context.setOutput(0, context.dataType(7) ?? context.dataType(0), matmulShape(&context, a: 0, b: 3))
        },
        "QLinearConv": { context in
            // Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
            context.setOutput(0, context.dataType(7) ?? context.dataType(0), convolutionShape(&context, x: 0, w: 3))
        },
    ]
}
