/// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019): for a Conv whose
/// output reaches the next weighted layer only through ops that commute with a positive
/// per-channel scale (Relu, pooling, Flatten after a global pool), output channel i of the first
/// layer is divided by s_i and input channel i of the second multiplied by it, so the float model
/// computes exactly the same thing. With s_i = sqrt(r1_i / r2_i) (r = each channel's largest
/// |weight|) both layers' channels end up with equal ranges.
///
/// Why: folding BatchNormalization into a Conv multiplies each output channel by
/// gamma/sqrt(var), which spreads the channels' ranges over orders of magnitude; one per-tensor
/// int8 scale then rounds the small channels to a few levels (on the CNN example the error of
/// per-tensor int8 rose from 0.034 to 0.049). Per-channel scales do not need it.
enum CrossLayerEqualization {
    /// Ops between the two layers that keep channel i in channel i and commute with a positive
    /// per-channel scale.
    static let passThrough: Set<String> = ["Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"]

    /// Equalizes every eligible pair, two sweeps in graph order (a middle layer is the second
    /// of one pair and the first of the next). Returns the first layers' names, once each.
    static func equalize(in graph: inout Graph) -> [String] {
        var equalized: [String] = []
        for _ in 0..<2 {
            for index in graph.nodes.indices {
                guard let pair = pair(startingAt: index, in: graph) else { continue }
                apply(pair, to: &graph)
                if !equalized.contains(graph.nodes[index].displayName) { equalized.append(graph.nodes[index].displayName) }
            }
        }
        return equalized
    }

    private struct Pair {
        var weight1: String
        var bias1: String?
        var weight2: String
        /// The axis of weight2 that indexes the first layer's channels.
        var inputAxis: Int
    }

    private static func pair(startingAt index: Int, in graph: Graph) -> Pair? {
        let first = graph.nodes[index]
        guard first.isStandard, first.opType == "Conv", (try? first.intAttribute("group", default: 1)) == 1,
            first.inputs.count >= 2, let w1 = ownedWeight(first.inputs[1], in: graph), w1.rank >= 3
        else { return nil }
        var bias1: String?
        if first.inputs.count > 2, !first.inputs[2].isEmpty {
            guard let b = ownedWeight(first.inputs[2], in: graph), b.count == w1.shape[0] else { return nil }
            bias1 = first.inputs[2]
        }
        let channels = w1.shape[0]
        // Follow the single reader through channel-preserving ops to the next weighted layer.
        var value = first.outputs.first ?? ""
        var sawGlobalPool = false
        while true {
            guard !value.isEmpty, !graph.isGraphOutput(value) else { return nil }
            let readers = graph.readers(of: value)
            guard readers.count == 1 else { return nil }
            let next = graph.nodes[readers[0]]
            guard next.isStandard, next.inputs.first == value, let output = next.outputs.first else { return nil }
            if passThrough.contains(next.opType) {
                sawGlobalPool = sawGlobalPool || next.opType.hasPrefix("Global")
                value = output
                continue
            }
            if next.opType == "Flatten", sawGlobalPool, (try? next.intAttribute("axis", default: 1)) == 1 {
                value = output
                continue
            }
            guard next.inputs.count >= 2, let w2 = ownedWeight(next.inputs[1], in: graph) else { return nil }
            switch next.opType {
            case "Conv" where !sawGlobalPool:
                guard (try? next.intAttribute("group", default: 1)) == 1, w2.rank == w1.rank, w2.shape[1] == channels else { return nil }
                return Pair(weight1: first.inputs[1], bias1: bias1, weight2: next.inputs[1], inputAxis: 1)
            case "MatMul" where sawGlobalPool:
                guard w2.rank == 2, w2.shape[0] == channels else { return nil }
                return Pair(weight1: first.inputs[1], bias1: bias1, weight2: next.inputs[1], inputAxis: 0)
            case "Gemm" where sawGlobalPool:
                guard w2.rank == 2, (try? next.intAttribute("transA", default: 0)) == 0 else { return nil }
                let axis = (try? next.intAttribute("transB", default: 0)) == 1 ? 1 : 0
                guard w2.shape[axis] == channels else { return nil }
                return Pair(weight1: first.inputs[1], bias1: bias1, weight2: next.inputs[1], inputAxis: axis)
            default:
                return nil
            }
        }
    }

    /// A constant float tensor read by exactly one node, so rescaling it changes nothing else.
    private static func ownedWeight(_ name: String, in graph: Graph) -> Tensor? {
        guard let tensor = graph.fixedInitializer(name), tensor.dataType == .float, !graph.isGraphOutput(name),
            graph.readers(of: name).count == 1
        else { return nil }
        return tensor
    }

    private static func apply(_ pair: Pair, to graph: inout Graph) {
        guard let w1 = graph.initializers[pair.weight1], let w2 = graph.initializers[pair.weight2] else { return }
        let channels = w1.shape[0]
        let r1 = channelMaxima(w1, axis: 0)
        let r2 = channelMaxima(w2, axis: pair.inputAxis)
        let scales = (0..<channels).map { c -> Float in
            guard r1[c] > 0, r2[c] > 0 else { return 1 }
            let s = (r1[c] / r2[c]).squareRoot()
            return s.isFinite && s > 0 ? s : 1
        }
        graph.initializers[pair.weight1] = scaled(w1, axis: 0, by: scales.map { 1 / $0 })
        if let name = pair.bias1, let bias = graph.initializers[name] {
            graph.initializers[name] = scaled(bias, axis: 0, by: scales.map { 1 / $0 })
        }
        graph.initializers[pair.weight2] = scaled(w2, axis: pair.inputAxis, by: scales)
    }

    /// Largest |x| per index along `axis`.
    static func channelMaxima(_ tensor: Tensor, axis: Int) -> [Float] {
        let values = tensor.floats
        let channels = tensor.shape[axis]
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        var maxima = [Float](repeating: 0, count: channels)
        for (position, value) in values.enumerated() {
            let c = (position / inner) % channels
            maxima[c] = max(maxima[c], abs(value))
        }
        return maxima
    }

    static func scaled(_ tensor: Tensor, axis: Int, by factors: [Float]) -> Tensor {
        let channels = tensor.shape[axis]
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        var values = tensor.floats
        for position in values.indices { values[position] *= factors[(position / inner) % channels] }
        return Tensor(values, shape: tensor.shape)
    }
}
