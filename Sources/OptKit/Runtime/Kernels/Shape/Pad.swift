/// Pad: modes constant, reflect, edge and wrap (opset 19), negative pads crop. From opset 11
/// pads and the constant come as inputs, with an optional `axes` input from 18; opsets 2 to 10
/// read `pads` and `value` attributes.
///
/// Every mode is an index map per axis: output index -> source index, or -1 for "the constant".
/// Rows are then filled from the maps, with the stretch of each row that comes straight from
/// the source copied in one go.
struct PadKernel: Kernel {
    enum Mode: String {
        case constant, reflect, edge, wrap
    }

    let node: String
    let mode: Mode
    /// The attribute form (opset < 11): pads and the constant.
    let attributeForm: (pads: [Int], value: Float)?
    let axesInput: Bool

    init(_ node: Node, opset: Int) throws(EngineError) {
        self.node = node.displayName
        let modeName = try node.stringAttribute("mode", default: "constant")
        guard let mode = Mode(rawValue: modeName), mode != .wrap || opset >= 19 else {
            throw .invalidAttribute(node: self.node, attribute: "mode", message: "unknown pad mode \"\(modeName)\"")
        }
        self.mode = mode
        if opset < 11 {
            guard let pads = try node.intsAttribute("pads") else {
                throw .invalidAttribute(node: self.node, attribute: "pads", message: "is required before opset 11")
            }
            attributeForm = (pads, try node.floatAttribute("value", default: 0))
        } else {
            attributeForm = nil
        }
        axesInput = opset >= 18
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let input = try inputs.required(0, node)
        let rank = input.rank
        let padValues: [Int]
        var constant: Tensor?
        var axes = Array(0..<rank)
        if let attributeForm {
            padValues = attributeForm.pads
            constant = try castTensor(Tensor([attributeForm.value], shape: []), to: input.dataType, node: node, context: context)
        } else {
            padValues = try inputs.required(1, node).integerValues(node, "pads")
            constant = inputs.optional(2)
            if axesInput, let listed = try inputs.optional(3)?.integerValues(node, "axes") {
                axes = try normalizedAxes(listed, rank: rank, node: node, source: .input("axes"))
            }
        }
        guard padValues.count == 2 * axes.count else {
            throw .invalidInput(node: node, message: "pads has \(padValues.count) values for \(axes.count) axes")
        }
        if let value = constant {
            guard value.count == 1, value.dataType == input.dataType else {
                throw .invalidInput(node: node, message: "constant_value must be one \(input.dataType) value")
            }
        }
        var begins = [Int](repeating: 0, count: rank)
        var ends = [Int](repeating: 0, count: rank)
        for (index, axis) in axes.enumerated() {
            begins[axis] = padValues[index]
            ends[axis] = padValues[axes.count + index]
        }
        var outputShape: [Int] = []
        for axis in 0..<rank {
            let (partial, overflow1) = input.shape[axis].addingReportingOverflow(begins[axis])
            let (size, overflow2) = partial.addingReportingOverflow(ends[axis])
            guard !overflow1, !overflow2, size >= 0 else {
                throw .invalidInput(node: node, message: "pads \(padValues) remove more than axis \(axis) of size \(input.shape[axis])")
            }
            outputShape.append(size)
        }
        let output = context.allocate(input.dataType, try checkedOutputShape(outputShape, input.dataType, node: node))
        let maps = try (0..<rank).map { (axis: Int) throws(EngineError) -> [Int] in
            try indexMap(size: outputShape[axis], begin: begins[axis], dim: input.shape[axis], axis: axis)
        }
        let fill = PadFill(input: input, output: output, constant: constant, maps: maps, begin: begins.last ?? 0, context: context)
        guard try input.dataType.visitRaw(fill) != nil else { throw unsupportedType(node, "Pad", input.dataType) }
        return [output]
    }

    /// Source index along one axis for each output index, -1 where the constant goes.
    private func indexMap(size: Int, begin: Int, dim: Int, axis: Int) throws(EngineError) -> [Int] {
        if dim == 0 && size > 0 && mode != .constant {
            throw .invalidInput(node: node, message: "\(mode.rawValue) padding needs a non-empty axis \(axis)")
        }
        return (0..<size).map { output in
            let index = output - begin
            if index >= 0 && index < dim { return index }
            switch mode {
            case .constant:
                return -1
            case .edge:
                return index < 0 ? 0 : dim - 1
            case .wrap:
                return ((index % dim) + dim) % dim
            case .reflect:
                guard dim > 1 else { return 0 }
                let period = 2 * (dim - 1)
                let folded = ((index % period) + period) % period
                return folded < dim ? folded : period - folded
            }
        }
    }
}

private struct PadFill: RawTypeVisitor {
    let input: Tensor, output: Tensor, constant: Tensor?, maps: [[Int]], begin: Int, context: KernelContext

    func visit<T: FixedWidthInteger & UnsignedInteger & Sendable>(_: T.Type) {
        let count = output.count
        guard count > 0 else { return }
        let value: T = constant.map { $0.pointer(T.self)[0] } ?? 0
        guard let innerMap = maps.last else {
            output.pointer(T.self)[0] = input.pointer(T.self)[0]
            return
        }
        let inner = innerMap.count
        let outerMaps = Array(maps.dropLast())
        let inputStrides = contiguousStrides(input.shape)
        // The stretch of every row that copies the source directly (map[i] == i - begin).
        let direct = innerMap.indices.filter { innerMap[$0] == $0 - begin && innerMap[$0] >= 0 }
        let directStart = direct.first ?? 0
        let directCount = direct.count
        let (input, output) = (input, output)
        context.parallelFor(count / inner, minChunk: max(1, cheapElementwiseChunk / inner)) { rows in
            let source = input.pointer(T.self)
            let target = output.pointer(T.self)
            for row in rows {
                var rest = row
                var offset = 0
                var constantRow = false
                for d in stride(from: outerMaps.count - 1, through: 0, by: -1) {
                    let coordinate = rest % outerMaps[d].count
                    rest /= outerMaps[d].count
                    let mapped = outerMaps[d][coordinate]
                    if mapped < 0 { constantRow = true }
                    offset += mapped * inputStrides[d]
                }
                let to = target + row * inner
                if constantRow {
                    to.update(repeating: value, count: inner)
                    continue
                }
                let from = source + offset
                for i in 0..<directStart {
                    let mapped = innerMap[i]
                    to[i] = mapped < 0 ? value : from[mapped]
                }
                if directCount > 0 {
                    (to + directStart).update(from: from + (directStart - begin), count: directCount)
                }
                for i in (directStart + directCount)..<inner {
                    let mapped = innerMap[i]
                    to[i] = mapped < 0 ? value : from[mapped]
                }
            }
        }
    }
}

let padKernelFactories: [String: KernelFactory] = [
    "Pad": { node, opset throws(EngineError) in try PadKernel(node, opset: opset) }
]
