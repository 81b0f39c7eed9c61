/// Ops that compute or rearrange shapes: Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
/// Concat, Split, Shape, Size, Constant, ConstantOfShape, Expand, Pad, Tile, Range. Several of
/// them also carry the contents of small integer tensors along, which is how a shape computed
/// inside the graph keeps its symbolic batch dim.
extension InferenceRules {
    static let shapeRules: [String: InferenceRule] = [
        "Reshape": reshape,
        "Flatten": flatten,
        "Transpose": transpose,
        "Squeeze": squeeze,
        "Unsqueeze": unsqueeze,
        "Concat": concat,
        "Split": split,
        "Shape": shapeOp,
        "Size": { context in
            context.setOutput(0, .int64, [])
            if let shape = context.shape(0) { context.setValue(0, [DimMath.product(shape)]) }
        },
        "Constant": constant,
        "ConstantOfShape": constantOfShape,
        "Expand": expand,
        "Pad": pad,
        "Tile": tile,
        "Range": range,
    ]

    private static func reshape(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let target = context.value(1) else {
            // The target shape is computed at run time; its length still gives the rank.
            if let length = context.shape(1)?.first?.value, context.rank(1) == 1, length <= ShapeInferenceEngine.valueLimit {
                context.setOutput(0, dataType, Array(repeating: .unknown, count: length))
            } else {
                context.setOutput(0, dataType, nil)
            }
            return
        }
        let allowZero = context.opset >= 14 && context.int("allowzero", default: 0) != 0
        let input = context.shape(0)
        var output: [Dim] = []
        var inferred: Int?
        for (i, dim) in target.enumerated() {
            switch dim {
            case .fixed(-1):
                guard inferred == nil else {
                    context.shapeMismatch(context.outputName(0), "the target shape \(Dim.format(target)) has more than one -1")
                    context.setOutput(0, dataType, nil)
                    return
                }
                inferred = i
                output.append(.unknown)
            case .fixed(0) where !allowZero:
                if let input {
                    guard i < input.count else {
                        context.shapeMismatch(context.outputName(0), "target dim \(i) is 0 (copy) but the input has rank \(input.count)")
                        context.setOutput(0, dataType, nil)
                        return
                    }
                    output.append(input[i])
                } else {
                    output.append(.unknown)
                }
            case .fixed(let v) where v < -1:
                context.shapeMismatch(context.outputName(0), "the target shape \(Dim.format(target)) has a negative dim")
                context.setOutput(0, dataType, nil)
                return
            default:
                output.append(dim)
            }
        }
        if let input {
            if let inferred {
                output[inferred] = solve(input: input, known: output.enumerated().filter { $0.offset != inferred }.map(\.element))
                if case .fixed(-1) = output[inferred] {
                    context.shapeMismatch(context.outputName(0), "cannot reshape \(Dim.format(input)) to \(Dim.format(target))")
                    context.setOutput(0, dataType, nil)
                    return
                }
            } else if case .fixed(let a) = DimMath.product(input), case .fixed(let b) = DimMath.product(output), a != b {
                context.shapeMismatch(context.outputName(0), "cannot reshape \(Dim.format(input)) (\(a) elements) to \(Dim.format(output)) (\(b) elements)")
                context.setOutput(0, dataType, nil)
                return
            }
        }
        context.setOutput(0, dataType, output)
        if output.count <= 1 { context.setValue(0, context.value(0)) }
    }

    /// The dim standing for -1 in a reshape: the input's element count divided by the other
    /// target dims, as a number or a symbol when the symbols cancel; `.fixed(-1)` when the
    /// division is impossible; unknown when it cannot be decided.
    private static func solve(input: [Dim], known: [Dim]) -> Dim {
        var inputFixed = 1
        var inputSymbols: [String: Int] = [:]
        for dim in input {
            switch dim {
            case .fixed(let v):
                guard let product = DimMath.mul(inputFixed, v) else { return .unknown }
                inputFixed = product
            case .symbolic(let s): inputSymbols[s, default: 0] += 1
            case .unknown: return .unknown
            }
        }
        var knownFixed = 1
        for dim in known {
            switch dim {
            case .fixed(let v):
                guard let product = DimMath.mul(knownFixed, v) else { return .unknown }
                knownFixed = product
            case .symbolic(let s):
                guard let n = inputSymbols[s], n > 0 else { return .unknown }
                inputSymbols[s] = n - 1
            case .unknown: return .unknown
            }
        }
        let remaining = inputSymbols.flatMap { Array(repeating: $0.key, count: $0.value) }
        guard knownFixed != 0 else { return .unknown }
        if remaining.isEmpty {
            return inputFixed % knownFixed == 0 ? .fixed(inputFixed / knownFixed) : .fixed(-1)
        }
        if remaining.count == 1, inputFixed == knownFixed { return .symbolic(remaining[0]) }
        return .unknown
    }

    private static func flatten(_ context: inout NodeInference) {
        guard let input = context.shape(0) else { return context.setOutput(0, context.dataType(0), [.unknown, .unknown]) }
        var axis = context.int("axis", default: 1)
        if axis < 0 { axis += input.count }
        guard axis >= 0, axis <= input.count else {
            context.invalidAttribute("axis", "axis \(context.int("axis", default: 1)) is out of range for rank \(input.count)")
            return
        }
        context.setOutput(0, context.dataType(0), [DimMath.product(input[..<axis]), DimMath.product(input[axis...])])
    }

    private static func transpose(_ context: inout NodeInference) {
        guard let input = context.shape(0) else { return context.setOutput(0, context.dataType(0), nil) }
        let perm = context.ints("perm") ?? Array((0..<input.count).reversed())
        guard perm.count == input.count, Set(perm) == Set(0..<input.count) else {
            context.invalidAttribute("perm", "\(perm) is not a permutation of the \(input.count) axes")
            return
        }
        context.setOutput(0, context.dataType(0), perm.map { input[$0] })
    }

    /// Axes of Squeeze, Unsqueeze and the reductions: an attribute before `inputSince`, the
    /// optional input `index` from then on. `.some(nil)` means given but not known statically.
    static func axesOperand(_ context: NodeInference, inputSince: Int, index: Int = 1) -> [Int]?? {
        if context.opset < inputSince {
            guard let axes = context.ints("axes") else { return nil }
            return .some(axes)
        }
        guard context.has(index) else { return nil }
        return .some(context.intValues(index))
    }

    private static func squeeze(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        let axes: [Int]
        switch axesOperand(context, inputSince: 13) {
        case .some(.some(let given)):
            guard let normalized = context.normalizedAxes(given, rank: input.count) else { return }
            for axis in normalized {
                if let v = input[axis].value, v != 1 {
                    context.shapeMismatch(context.inputName(0), "cannot squeeze axis \(axis) of size \(v)")
                    return
                }
            }
            axes = normalized
        case .some(.none):
            return context.setOutput(0, dataType, nil)
        case .none:
            // Every dim of size 1; undecidable while a dim is not a number.
            guard input.allSatisfy({ $0.value != nil }) else { return context.setOutput(0, dataType, nil) }
            axes = input.indices.filter { input[$0].isFixed(1) }
        }
        let output = input.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        context.setOutput(0, dataType, output)
        if output.count <= 1 { context.setValue(0, context.value(0)) }
    }

    private static func unsqueeze(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        guard case .some(.some(let given)) = axesOperand(context, inputSince: 13) else {
            return context.setOutput(0, dataType, nil)
        }
        let rank = input.count + given.count
        guard let axes = context.normalizedAxes(given, rank: rank) else { return }
        var output: [Dim] = []
        var next = input.makeIterator()
        for i in 0..<rank { output.append(axes.contains(i) ? .fixed(1) : (next.next() ?? .unknown)) }
        context.setOutput(0, dataType, output)
        if output.count <= 1 { context.setValue(0, context.value(0)) }
    }

    private static func concat(_ context: inout NodeInference) {
        let indices = (0..<context.inputCount).filter { context.has($0) }
        context.requireSameType(indices)
        let dataType = firstKnownType(context)
        guard let axisAttribute = context.int("axis") else {
            context.invalidAttribute("axis", "Concat needs an axis")
            return
        }
        let shapes = indices.compactMap { context.shape($0) }
        guard let rank = shapes.first?.count else { return context.setOutput(0, dataType, nil) }
        guard shapes.allSatisfy({ $0.count == rank }) else {
            context.shapeMismatch(context.outputName(0), "inputs have different ranks: \(shapes.map(Dim.format).joined(separator: ", "))")
            return
        }
        guard let axis = context.normalizedAxis(axisAttribute, rank: rank) else { return }
        var output = shapes[0]
        for shape in shapes.dropFirst() {
            for i in 0..<rank where i != axis {
                guard DimMath.compatible(output[i], shape[i]) else {
                    context.shapeMismatch(context.outputName(0), "inputs differ outside the concat axis: \(shapes.map(Dim.format).joined(separator: ", "))")
                    return
                }
                output[i] = DimMath.unify(output[i], shape[i])
            }
        }
        output[axis] = shapes.count == indices.count ? DimMath.sum(shapes.map { $0[axis] }) : .unknown
        context.setOutput(0, dataType, output)
        if rank == 1 {
            var contents: [Dim] = []
            for index in indices {
                guard let part = context.value(index) else { return }
                contents += part
            }
            context.setValue(0, contents)
        }
    }

    private static func split(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else {
            for i in 0..<context.outputCount { context.setOutput(i, dataType, nil) }
            return
        }
        guard let axis = context.normalizedAxis(context.int("axis", default: 0), rank: input.count) else { return }
        let count = context.outputCount
        var sizes: [Dim]?
        if context.opset < 13, let given = context.ints("split") {
            sizes = given.map(Dim.fixed)
        } else if context.opset >= 13, context.has(1) {
            sizes = context.intValues(1)?.map(Dim.fixed)
        } else if let total = input[axis].value {
            if context.opset >= 18, let parts = context.int("num_outputs") {
                // Uneven split: every part but the last has ceil(total / parts) elements.
                guard parts == count, parts > 0 else {
                    context.invalidAttribute("num_outputs", "\(parts) does not match the \(count) outputs")
                    return
                }
                let chunk = total / parts + (total % parts == 0 ? 0 : 1)
                sizes = (0..<parts).map { .fixed(max(0, min(chunk, total - min(total, chunk * $0)))) }
            } else if count > 0, total % count == 0 {
                sizes = Array(repeating: .fixed(total / count), count: count)
            } else {
                context.shapeMismatch(context.inputName(0), "dim \(total) of axis \(axis) does not split evenly into \(count) outputs")
                return
            }
        }
        if let sizes {
            guard sizes.count == count else {
                context.invalidAttribute("split", "\(sizes.count) sizes for \(count) outputs")
                return
            }
            if let total = input[axis].value, case .fixed(let sum) = DimMath.sum(sizes), sum != total {
                context.shapeMismatch(context.inputName(0), "split sizes add up to \(sum) but axis \(axis) has \(total)")
                return
            }
        }
        for i in 0..<count {
            var shape = input
            shape[axis] = sizes?[i] ?? .unknown
            context.setOutput(i, dataType, shape)
        }
    }

    private static func shapeOp(_ context: inout NodeInference) {
        guard let input = context.shape(0) else { return context.setOutput(0, .int64, [.unknown]) }
        let rank = input.count
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let start = context.opset >= 15 ? clamp(context.int("start", default: 0)) : 0
        let end = context.opset >= 15 ? clamp(context.int("end", default: rank)) : rank
        let slice = start < end ? Array(input[start..<end]) : []
        context.setOutput(0, .int64, [.fixed(slice.count)])
        context.setValue(0, slice)
    }

    private static func constant(_ context: inout NodeInference) {
        let attributes = context.node.attributes
        if case .tensor(let tensor)? = attributes["value"] {
            context.setOutput(0, tensor.dataType, tensor.shape.map(Dim.fixed))
            context.setValue(0, ShapeInferenceEngine.contents(of: tensor))
        } else if case .float? = attributes["value_float"] {
            context.setOutput(0, .float, [])
        } else if case .floats(let v)? = attributes["value_floats"] {
            context.setOutput(0, .float, [.fixed(v.count)])
        } else if case .int(let v)? = attributes["value_int"] {
            context.setOutput(0, .int64, [])
            context.setValue(0, [.fixed(v)])
        } else if case .ints(let v)? = attributes["value_ints"] {
            context.setOutput(0, .int64, [.fixed(v.count)])
            context.setValue(0, v.map(Dim.fixed))
        } else if case .string? = attributes["value_string"] {
            context.setOutput(0, .string, [])
        } else if case .strings(let v)? = attributes["value_strings"] {
            context.setOutput(0, .string, [.fixed(v.count)])
        }
    }

    private static func constantOfShape(_ context: inout NodeInference) {
        var dataType = DataType.float
        if case .tensor(let tensor)? = context.node.attributes["value"] { dataType = tensor.dataType }
        if let dims = context.value(0) {
            if dims.contains(where: { ($0.value ?? 0) < 0 }) {
                context.shapeMismatch(context.outputName(0), "negative dim in shape \(Dim.format(dims))")
                return
            }
            context.setOutput(0, dataType, dims)
        } else if context.rank(0) == 1, let length = context.shape(0)?.first?.value, length <= ShapeInferenceEngine.valueLimit {
            context.setOutput(0, dataType, Array(repeating: .unknown, count: length))
        } else {
            context.setOutput(0, dataType, nil)
        }
    }

    private static func expand(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0), let target = context.value(1) else {
            return context.setOutput(0, dataType, nil)
        }
        switch DimMath.broadcast([input, target]) {
        case .success(let shape): context.setOutput(0, dataType, shape)
        case .failure(let failure): context.shapeMismatch(context.outputName(0), failure.message)
        }
    }

    private static func pad(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        let pads: [Int]?
        var axes = Array(0..<input.count)
        if context.opset < 11 {
            pads = context.ints("pads")
        } else {
            pads = context.intValues(1)
            if context.opset >= 18, context.has(3) {
                guard let given = context.intValues(3) else { return context.setOutput(0, dataType, input.map { _ in .unknown }) }
                guard let normalized = context.normalizedAxes(given, rank: input.count) else { return }
                axes = normalized
            }
        }
        guard let pads else { return context.setOutput(0, dataType, input.map { _ in .unknown }) }
        guard pads.count == 2 * axes.count else {
            context.invalidAttribute("pads", "\(pads.count) pads for \(axes.count) axes")
            return
        }
        var output = input
        for (i, axis) in axes.enumerated() {
            output[axis] = DimMath.add(pads[i], pads[i + axes.count]).map { DimMath.add(input[axis], $0) } ?? .unknown
            if let v = output[axis].value, v < 0 {
                context.shapeMismatch(context.outputName(0), "pads \(pads) make axis \(axis) negative")
                return
            }
        }
        context.setOutput(0, dataType, output)
    }

    private static func tile(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        guard let repeats = context.intValues(1) else { return context.setOutput(0, dataType, input.map { _ in .unknown }) }
        guard repeats.count == input.count, repeats.allSatisfy({ $0 >= 0 }) else {
            context.shapeMismatch(context.inputName(1), "repeats \(repeats) do not fit rank \(input.count)")
            return
        }
        context.setOutput(0, dataType, zip(input, repeats).map { DimMath.multiply($0, by: $1) })
    }

    private static func range(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let start = scalar(context, 0), let limit = scalar(context, 1), let delta = scalar(context, 2) else {
            return context.setOutput(0, dataType, [.unknown])
        }
        guard delta != 0 else {
            context.shapeMismatch(context.inputName(2), "Range with delta 0")
            return
        }
        let length = max(0, (limit - start) / delta).rounded(.up)
        guard length < Double(Int.max / 2) else { return context.setOutput(0, dataType, [.unknown]) }
        context.setOutput(0, dataType, [.fixed(Int(length))])
    }

    /// A scalar input's value, when it is a constant or a tracked number.
    private static func scalar(_ context: NodeInference, _ index: Int) -> Double? {
        if let values = context.intValues(index), values.count == 1 { return Double(values[0]) }
        guard let tensor = context.constant(index), tensor.count == 1 else { return nil }
        switch tensor.dataType {
        case .float: return Double(tensor.pointer(Float.self)[0])
        case .double: return tensor.pointer(Double.self)[0]
        case .int32: return Double(tensor.pointer(Int32.self)[0])
        case .int64: return Double(tensor.pointer(Int64.self)[0])
        case .int16: return Double(tensor.pointer(Int16.self)[0])
        default: return nil
        }
    }
}
