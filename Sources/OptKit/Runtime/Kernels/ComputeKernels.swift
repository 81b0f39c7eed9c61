/// Compute-heavy ops: MatMul, Gemm, Conv, ConvTranspose, pooling, normalization, recurrent.
/// Each also runs on float16 tensors through `WideningKernel` (MaxPool also on 8-bit ones).
let computeKernelFactories: [String: KernelFactory] = float32ComputeKernelFactories.reduce(into: [:]) { table, entry in
    let types: Set<DataType> = entry.key == "MaxPool" ? [.float16, .uint8, .int8] : [.float16]
    table[entry.key] = WideningKernel.wrapping(entry.value, widening: types)
}

private let float32ComputeKernelFactories: [String: KernelFactory] = [
    "AveragePool": { node, opset throws(EngineError) in try PoolKernel(node: node, kind: .average, opset: opset) },
    "BatchNormalization": { node, opset throws(EngineError) in try BatchNormalizationKernel(node: node, opset: opset) },
    "Conv": { node, _ throws(EngineError) in try ConvKernel(node: node) },
    "ConvTranspose": { node, _ throws(EngineError) in try ConvTransposeKernel(node: node) },
    "Gemm": { node, _ throws(EngineError) in try GemmKernel(node: node) },
    "GlobalAveragePool": { node, _ in GlobalPoolKernel(node: node, isMax: false) },
    "GlobalMaxPool": { node, _ in GlobalPoolKernel(node: node, isMax: true) },
    "GRU": { node, _ throws(EngineError) in try GRUKernel(node: node) },
    "LSTM": { node, _ throws(EngineError) in try LSTMKernel(node: node) },
    "LayerNormalization": { node, _ throws(EngineError) in try LayerNormalizationKernel(node: node) },
    "MatMul": { node, _ in MatMulKernel(node: node) },
    "MaxPool": { node, opset throws(EngineError) in try PoolKernel(node: node, kind: .max, opset: opset) },
]
