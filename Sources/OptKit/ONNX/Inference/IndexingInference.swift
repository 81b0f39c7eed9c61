/// Ops that select elements: Slice, Gather, GatherElements, ScatterND, ScatterElements, TopK,
/// NonZero.
extension InferenceRules {
    static let indexingRules: [String: InferenceRule] = [
        "Slice": slice,
        "Gather": gather,
        "GatherElements": { context in context.setOutput(0, context.dataType(0), context.shape(1)) },
        "ScatterND": sameAsInput,
        "ScatterElements": sameAsInput,
        "TopK": topK,
        "NonZero": { context in
            context.setOutput(0, .int64, context.rank(0).map { [.fixed($0), .unknown] } ?? [.unknown, .unknown])
        },
    ]

    /// ONNX's Slice clamping: negative indices count from the end, then start is clamped to
    /// [0, dim] (or [0, dim-1] stepping backwards) and end to [0, dim] (or [-1, dim-1]).
    static func sliceRange(dim: Int, start: Int, end: Int, step: Int) -> (start: Int, count: Int) {
        // Negative indices count from the end; dim is a real size, so adding it cannot overflow.
        var s = start < 0 ? start + dim : start
        var e = end < 0 ? end + dim : end
        if step > 0 {
            s = min(max(s, 0), dim)
            e = min(max(e, 0), dim)
            let span = e - s
            return (s, span > 0 ? span / step + (span % step == 0 ? 0 : 1) : 0)
        }
        s = min(max(s, 0), dim - 1)
        e = min(max(e, -1), dim - 1)
        let span = s - e
        let magnitude = step == Int.min ? Int.max : -step
        return (s, span > 0 ? span / magnitude + (span % magnitude == 0 ? 0 : 1) : 0)
    }

    private static func slice(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let input = context.shape(0) else { return context.setOutput(0, dataType, nil) }
        let starts: [Int]?, ends: [Int]?, axesGiven: [Int]??, steps: [Int]?
        if context.opset < 10 {
            starts = context.ints("starts")
            ends = context.ints("ends")
            axesGiven = context.ints("axes").map { Optional($0) }
            steps = nil
        } else {
            starts = context.intValues(1)
            ends = context.intValues(2)
            axesGiven = context.has(3) ? .some(context.intValues(3)) : nil
            steps = context.has(4) ? context.intValues(4) : nil
            if context.has(4), steps == nil { return context.setOutput(0, dataType, input.map { _ in .unknown }) }
        }
        guard let starts, let ends, starts.count == ends.count else {
            // Bounds computed at run time: the rank is known, the sliced dims are not.
            var output = input
            if case .some(.some(let axes)) = axesGiven, let normalized = context.normalizedAxes(axes, rank: input.count) {
                for axis in normalized { output[axis] = .unknown }
            } else {
                output = input.map { _ in .unknown }
            }
            return context.setOutput(0, dataType, output)
        }
        let axes: [Int]
        switch axesGiven {
        case .some(.some(let given)):
            guard let normalized = context.normalizedAxes(given, rank: input.count) else { return }
            axes = normalized
        case .some(.none):
            return context.setOutput(0, dataType, input.map { _ in .unknown })
        case .none:
            axes = Array(0..<starts.count)
        }
        let stepValues = steps ?? Array(repeating: 1, count: starts.count)
        guard axes.count == starts.count, stepValues.count == starts.count, axes.allSatisfy({ $0 < input.count }) else {
            context.invalidAttribute("axes", "starts, ends, axes and steps have different lengths")
            return
        }
        guard !stepValues.contains(0) else {
            context.invalidAttribute("steps", "a step of 0")
            return
        }
        var output = input
        var ranges: [(start: Int, count: Int, step: Int)?] = Array(repeating: nil, count: input.count)
        for (i, axis) in axes.enumerated() {
            let (start, end, step) = (starts[i], ends[i], stepValues[i])
            if let dim = input[axis].value {
                let range = sliceRange(dim: dim, start: start, end: end, step: step)
                output[axis] = .fixed(range.count)
                ranges[axis] = (range.start, range.count, step)
            } else if step == 1, start == 0, end >= Int(Int32.max) {
                output[axis] = input[axis]  // the whole dim, whatever it is
            } else {
                output[axis] = .unknown
            }
        }
        context.setOutput(0, dataType, output)
        if input.count == 1, let contents = context.value(0), contents.count == input[0].value, let range = ranges[0] {
            context.setValue(0, (0..<range.count).map { contents[range.start + $0 * range.step] })
        } else if input.count == 1, output[0] == input[0] {
            context.setValue(0, context.value(0))
        }
    }

    private static func gather(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard let data = context.shape(0), let indices = context.shape(1) else { return context.setOutput(0, dataType, nil) }
        guard let axis = context.normalizedAxis(context.int("axis", default: 0), rank: data.count) else { return }
        context.setOutput(0, dataType, Array(data[..<axis]) + indices + Array(data[(axis + 1)...]))
        // Picking dims out of a shape: Shape -> Gather(0) is how exporters read the batch size.
        guard data.count == 1, indices.count <= 1, let contents = context.value(0), let picks = context.intValues(1) else { return }
        var result: [Dim] = []
        for pick in picks {
            let i = pick < 0 ? pick + contents.count : pick
            guard i >= 0, i < contents.count else { return }
            result.append(contents[i])
        }
        context.setValue(0, result)
    }

    private static func topK(_ context: inout NodeInference) {
        let dataType = context.dataType(0)
        guard var shape = context.shape(0) else {
            context.setOutput(0, dataType, nil)
            context.setOutput(1, .int64, nil)
            return
        }
        guard let axis = context.normalizedAxis(context.int("axis", default: -1), rank: shape.count) else { return }
        let k = context.opset < 10 ? context.int("k") : context.intValues(1)?.first
        shape[axis] = k.map(Dim.fixed) ?? .unknown
        context.setOutput(0, dataType, shape)
        context.setOutput(1, .int64, shape)
    }
}
