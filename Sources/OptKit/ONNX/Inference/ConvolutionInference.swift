/// Sliding-window ops: Conv, ConvTranspose, MaxPool, AveragePool, LpPool and the global pools.
/// Output sizes follow the formulas in ONNX's operator docs, auto_pad included; a symbolic
/// spatial dim survives only where the output size is exactly the input size.
extension InferenceRules {
    static let convolutionRules: [String: InferenceRule] = [
        "Conv": { context in
            context.requireSameType([0, 1, 2])
            context.setOutput(0, context.dataType(0), convolutionShape(&context, x: 0, w: 1))
        },
        "ConvTranspose": convTranspose,
        "MaxPool": { context in
            let shape = poolShape(&context)
            context.setOutput(0, context.dataType(0), shape)
            context.setOutput(1, .int64, shape)
        },
        "AveragePool": { context in context.setOutput(0, context.dataType(0), poolShape(&context)) },
        "LpPool": { context in context.setOutput(0, context.dataType(0), poolShape(&context)) },
        "GlobalAveragePool": globalPool,
        "GlobalMaxPool": globalPool,
        "GlobalLpPool": globalPool,
    ]

    /// Window parameters shared by convolutions and pools, checked against the spatial rank.
    struct Window {
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var pads: [Int]
        var autoPad: String
    }

    static func window(_ context: inout NodeInference, spatial: Int, kernel: [Int]?, dilationsAllowed: Bool = true) -> Window? {
        guard let kernel, kernel.count == spatial, kernel.allSatisfy({ $0 > 0 }) else {
            context.invalidAttribute("kernel_shape", "needs \(spatial) positive sizes")
            return nil
        }
        let strides = context.ints("strides") ?? Array(repeating: 1, count: spatial)
        let dilations = (dilationsAllowed ? context.ints("dilations") : nil) ?? Array(repeating: 1, count: spatial)
        let pads = context.ints("pads") ?? Array(repeating: 0, count: 2 * spatial)
        let autoPad = context.string("auto_pad") ?? "NOTSET"
        guard strides.count == spatial, strides.allSatisfy({ $0 > 0 }) else {
            context.invalidAttribute("strides", "needs \(spatial) positive values, got \(strides)")
            return nil
        }
        guard dilations.count == spatial, dilations.allSatisfy({ $0 > 0 }) else {
            context.invalidAttribute("dilations", "needs \(spatial) positive values, got \(dilations)")
            return nil
        }
        guard pads.count == 2 * spatial, pads.allSatisfy({ $0 >= 0 }) else {
            context.invalidAttribute("pads", "needs \(2 * spatial) non-negative values, got \(pads)")
            return nil
        }
        guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else {
            context.invalidAttribute("auto_pad", "unknown value '\(autoPad)'")
            return nil
        }
        return Window(kernel: kernel, strides: strides, dilations: dilations, pads: pads, autoPad: autoPad)
    }

    /// Output size of one spatial axis of a convolution or pool; nil when the window does not
    /// fit, unknown when the numbers overflow.
    static func windowOutput(_ dim: Dim, axis i: Int, spatial: Int, window w: Window, ceilMode: Bool = false) -> Dim? {
        guard let dilated = DimMath.mul(w.kernel[i] - 1, w.dilations[i]), let extent = DimMath.add(dilated, 1) else { return .unknown }
        let stride = w.strides[i]
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a / b + (a % b > 0 ? 1 : 0) }
        switch w.autoPad {
        case "SAME_UPPER", "SAME_LOWER":
            if let d = dim.value { return .fixed(ceilDiv(d, stride)) }
            return stride == 1 ? dim : .unknown
        case "VALID":
            if let d = dim.value {
                guard d >= extent else { return nil }
                return .fixed(ceilMode ? ceilDiv(d - extent + 1, stride) : (d - extent) / stride + 1)
            }
            return stride == 1 && extent == 1 ? dim : .unknown
        default:
            let padBegin = w.pads[i], padEnd = w.pads[i + spatial]
            guard let pads = DimMath.add(padBegin, padEnd) else { return .unknown }
            let span = pads - extent
            if let d = dim.value {
                guard let numerator = DimMath.add(d, span) else { return .unknown }
                guard numerator >= 0 else { return nil }
                var output = (ceilMode ? ceilDiv(numerator, stride) : numerator / stride) + 1
                // A last window that would start inside the end padding is dropped.
                if ceilMode, let start = DimMath.mul(output - 1, stride), let limit = DimMath.add(d, padBegin), start >= limit {
                    output -= 1
                }
                return .fixed(output)
            }
            return stride == 1 && span + 1 == 0 ? dim : .unknown
        }
    }

    /// Output shape of Conv-like ops: `[N, M, spatial...]` with M from the weight's first dim.
    static func convolutionShape(_ context: inout NodeInference, x: Int, w: Int) -> [Dim]? {
        guard let input = context.shape(x), input.count >= 3 else {
            if let rank = context.rank(x), rank < 3 {
                context.shapeMismatch(context.inputName(x), "\(context.node.opType) needs an input of rank 3 or more, got \(rank)")
            }
            return nil
        }
        let spatial = input.count - 2
        let weight = context.shape(w)
        if let weight, weight.count != input.count {
            context.shapeMismatch(context.inputName(w), "weight rank \(weight.count) does not match input rank \(input.count)")
            return nil
        }
        let group = context.int("group", default: 1)
        if let weight, let channels = input[1].value, let perGroup = weight[1].value, channels != perGroup * group {
            context.shapeMismatch(context.inputName(w), "input has \(channels) channels but the weight expects \(perGroup) x group \(group)")
            return nil
        }
        let kernel = context.ints("kernel_shape") ?? weight.flatMap { dims in
            let sizes = dims.dropFirst(2).compactMap(\.value)
            return sizes.count == spatial ? Array(sizes) : nil
        }
        guard let kernel else { return [input[0], weight?[0] ?? .unknown] + Array(repeating: .unknown, count: spatial) }
        guard let window = window(&context, spatial: spatial, kernel: kernel) else { return nil }
        var output = [input[0], weight?[0] ?? .unknown]
        for i in 0..<spatial {
            guard let dim = windowOutput(input[i + 2], axis: i, spatial: spatial, window: window) else {
                context.shapeMismatch(context.inputName(x), "spatial dim \(input[i + 2]) is smaller than the kernel")
                return nil
            }
            output.append(dim)
        }
        return output
    }

    private static func convTranspose(_ context: inout NodeInference) {
        context.requireSameType([0, 1, 2])
        let dataType = context.dataType(0)
        guard let input = context.shape(0), input.count >= 3 else { return context.setOutput(0, dataType, nil) }
        let spatial = input.count - 2
        let weight = context.shape(1)
        if let weight, weight.count != input.count {
            context.shapeMismatch(context.inputName(1), "weight rank \(weight.count) does not match input rank \(input.count)")
            return
        }
        let group = context.int("group", default: 1)
        let channels = weight.map { DimMath.multiply($0[1], by: group) } ?? .unknown
        if let explicit = context.ints("output_shape") {
            guard explicit.count >= spatial else {
                context.invalidAttribute("output_shape", "needs \(spatial) spatial sizes")
                return
            }
            return context.setOutput(0, dataType, [input[0], channels] + explicit.suffix(spatial).map(Dim.fixed))
        }
        let kernel = context.ints("kernel_shape") ?? weight.flatMap { dims in
            let sizes = dims.dropFirst(2).compactMap(\.value)
            return sizes.count == spatial ? Array(sizes) : nil
        }
        guard let kernel, let window = window(&context, spatial: spatial, kernel: kernel) else {
            return context.setOutput(0, dataType, [input[0], channels] + Array(repeating: .unknown, count: spatial))
        }
        let outputPadding = context.ints("output_padding") ?? Array(repeating: 0, count: spatial)
        guard outputPadding.count == spatial else {
            context.invalidAttribute("output_padding", "needs \(spatial) values")
            return
        }
        var output = [input[0], channels]
        for i in 0..<spatial {
            let stride = window.strides[i]
            switch window.autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                output.append(DimMath.multiply(input[i + 2], by: stride))
            default:
                // out = stride * (in - 1) + output_padding + extent - pads
                let pads = window.autoPad == "VALID" ? 0 : DimMath.add(window.pads[i], window.pads[i + spatial])
                guard let dilated = DimMath.mul(window.kernel[i] - 1, window.dilations[i]),
                      let extent = DimMath.add(dilated, 1), let pads,
                      let grown = DimMath.add(outputPadding[i], extent),
                      let unpadded = DimMath.add(grown, -pads), let offset = DimMath.add(unpadded, -stride)
                else {
                    output.append(.unknown)
                    continue
                }
                output.append(DimMath.add(DimMath.multiply(input[i + 2], by: stride), offset))
            }
        }
        context.setOutput(0, dataType, output)
    }

    private static func poolShape(_ context: inout NodeInference) -> [Dim]? {
        guard let input = context.shape(0), input.count >= 3 else { return nil }
        let spatial = input.count - 2
        let op = context.node.opType
        // Pools gained dilations at different opsets: MaxPool 10, LpPool 18, AveragePool 19.
        let dilationsSince = ["MaxPool": 10, "LpPool": 18, "AveragePool": 19][op] ?? Int.max
        let dilationsAllowed = context.opset >= dilationsSince
        guard let window = window(&context, spatial: spatial, kernel: context.ints("kernel_shape"), dilationsAllowed: dilationsAllowed) else { return nil }
        let ceilMode = context.opset >= 10 && context.int("ceil_mode", default: 0) != 0
        var output = Array(input[..<2])
        for i in 0..<spatial {
            guard let dim = windowOutput(input[i + 2], axis: i, spatial: spatial, window: window, ceilMode: ceilMode) else {
                context.shapeMismatch(context.inputName(0), "spatial dim \(input[i + 2]) is smaller than the pooling window")
                return nil
            }
            output.append(dim)
        }
        return output
    }

    private static func globalPool(_ context: inout NodeInference) {
        guard let input = context.shape(0), input.count >= 2 else { return context.setOutput(0, context.dataType(0), nil) }
        context.setOutput(0, context.dataType(0), Array(input[..<2]) + Array(repeating: .fixed(1), count: input.count - 2))
    }
}
