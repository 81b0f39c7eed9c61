/// Float16 (and, for max pooling, 8-bit) variants of the float32 compute kernels: inputs of
/// those types are widened to float32, the float32 kernel runs, and its float32 outputs are
/// rounded back to the inputs' type. The float32 kernels are SIMD GEMMs with fused epilogues;
/// this CPU has no float16 arithmetic worth using, so computing in float32 on float16 storage is
/// both the fast and the accurate choice (one rounding per op output, as float16 storage
/// requires). Constant weights are widened once, at prepare time, and then packed as usual.
struct WideningKernel: ConstantSpecializable, EpilogueFusable, QuantizedCopying, OperandTransposing, ChannelsLastChaining {
    let inner: any Kernel
    let node: String
    /// Element types widened to float32 (float16 always; uint8/int8 for MaxPool, whose maximum
    /// is exact in float).
    let widened: Set<DataType>
    /// The narrow type of the prepared constants, when they were narrow.
    var constantType: DataType?

    static func wrapping(_ factory: @escaping KernelFactory, widening types: Set<DataType> = [.float16]) -> KernelFactory {
        { node, opset throws(EngineError) in
            WideningKernel(inner: try factory(node, opset), node: node.displayName, widened: types)
        }
    }

    func specialized(constants: [Tensor?]) throws(EngineError) -> any Kernel {
        guard let specializable = inner as? any ConstantSpecializable else { return self }
        var copy = self
        var wide: [Tensor?] = []
        let context = KernelContext(threadCount: 1)
        for constant in constants {
            if let constant, widened.contains(constant.dataType) {
                copy.constantType = constant.dataType
                wide.append(try castTensor(constant, to: .float, node: node, context: context))
            } else {
                wide.append(constant)
            }
        }
        copy = WideningKernel(inner: try specializable.specialized(constants: wide), node: node, widened: widened, constantType: copy.constantType)
        return copy
    }

    func fusing(_ epilogue: FusedEpilogue) -> (any Kernel)? {
        guard let fusable = inner as? any EpilogueFusable, let fused = fusable.fusing(epilogue) else { return nil }
        return WideningKernel(inner: fused, node: node, widened: widened, constantType: constantType)
    }

    /// With float16 inputs the copy is rounded from the float32 result rather than from its
    /// float16 rounding (a graph mixing float16 and 8-bit values, which no pass of ours writes).
    func addingQuantizedCopy(_ type: QuantizedType, scale: Float, zero: Int32) -> (any Kernel)? {
        guard let copying = inner as? any QuantizedCopying, let kernel = copying.addingQuantizedCopy(type, scale: scale, zero: zero) else {
            return nil
        }
        return WideningKernel(inner: kernel, node: node, widened: widened, constantType: constantType)
    }

    /// Widening is element-wise, so it commutes with reading an operand permuted.
    func readingTransposed(operand: Int, perm: [Int]) -> (any Kernel)? {
        guard let transposing = inner as? any OperandTransposing, let permuted = transposing.readingTransposed(operand: operand, perm: perm) else {
            return nil
        }
        return WideningKernel(inner: permuted, node: node, widened: widened, constantType: constantType)
    }

    var chainsChannelsLast: Bool { (inner as? any ChannelsLastChaining)?.chainsChannelsLast == true }

    /// Widening is element-wise, so it keeps any layout.
    func chaining(input: Bool, output: Bool) -> any Kernel {
        guard let chaining = inner as? any ChannelsLastChaining else { return self }
        return WideningKernel(inner: chaining.chaining(input: input, output: output), node: node, widened: widened, constantType: constantType)
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        var narrow = constantType
        for input in inputs { if let input, widened.contains(input.dataType) { narrow = input.dataType } }
        guard let narrow else { return try inner.run(inputs, context) }
        var wide: [Tensor?] = []
        wide.reserveCapacity(inputs.count)
        for input in inputs {
            if let input, input.dataType == narrow {
                wide.append(try castTensor(input, to: .float, node: node, context: context))
            } else {
                wide.append(input)
            }
        }
        var outputs = try inner.run(wide, context)
        for index in outputs.indices where outputs[index].dataType == .float {
            outputs[index] = try castTensor(outputs[index], to: narrow, node: node, context: context)
        }
        return outputs
    }
}
