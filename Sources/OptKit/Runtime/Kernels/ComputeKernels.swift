/// Compute-heavy ops: MatMul, Gemm, Conv, ConvTranspose, pooling, normalization, recurrent.
let computeKernelFactories: [String: KernelFactory] = [
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
