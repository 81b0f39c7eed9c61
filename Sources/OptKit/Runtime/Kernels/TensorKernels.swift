/// Element-wise, activation, shape, indexing and reduction ops.
let tensorKernelFactories: [String: KernelFactory] = [:]
