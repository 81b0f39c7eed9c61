/// Element-wise, activation, shape, indexing and reduction ops. Each family file contributes
/// its table; an op appears in exactly one.
let tensorKernelFactories: [String: KernelFactory] = {
    let families: [[String: KernelFactory]] = [
        arithmeticKernelFactories,
        comparisonKernelFactories,
        unaryKernelFactories,
        activationKernelFactories,
        clipKernelFactories,
        whereKernelFactories,
        ["Cast": { node, _ throws(EngineError) in try CastKernel(node) }],
        softmaxKernelFactories,
        reductionKernelFactories,
        viewKernelFactories,
        transposeKernelFactories,
        concatKernelFactories,
        expandKernelFactories,
        padKernelFactories,
        shapeKernelFactories,
        sliceKernelFactories,
        gatherKernelFactories,
        constantKernelFactories,
        rangeKernelFactories,
    ]
    return families.reduce(into: [:]) { all, family in
        all.merge(family) { _, _ in preconditionFailure("an op is registered twice in the tensor kernels") }
    }
}()
