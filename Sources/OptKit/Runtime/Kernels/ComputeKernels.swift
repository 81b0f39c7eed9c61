/// Compute-heavy ops: MatMul, Gemm, Conv, ConvTranspose, pooling, normalization, recurrent.
let computeKernelFactories: [String: KernelFactory] = [
    "MatMul": { node, _ in MatMulKernel(node: node) },
    "Conv": { node, _ throws(EngineError) in try ConvKernel(node: node) },
    "Gemm": { node, _ throws(EngineError) in try GemmKernel(node: node) },
]
