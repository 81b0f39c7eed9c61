/// Compute-heavy ops: MatMul, Gemm, Conv, ConvTranspose, pooling, normalization, recurrent.
let computeKernelFactories: [String: KernelFactory] = [:]
