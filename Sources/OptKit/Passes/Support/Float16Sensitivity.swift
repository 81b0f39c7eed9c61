/// How much each layer's weights, rounded to float16, move the model's outputs: measured on
/// the engine in float32 with one node's constant inputs rounded at a time, as the relative L2
/// error of the outputs over a few samples. Rounding errors of separate layers add up about in
/// quadrature (checked on the CNN example: the per-layer figures predict the total within 5%),
/// so the most sensitive layers can be kept in float32 until the estimate fits a budget. A
/// layer just after a normalisation that was folded into it (the first Conv of an image model:
/// large weights and a bias that cancels most of its output) is the usual culprit.
enum Float16Sensitivity {
    struct Measurement {
        var node: Int
        var error: Double
    }

    /// The error each of `nodes` alone causes, largest first; nodes without float constants
    /// are left out. Throws `EngineError` when the engine cannot run the model.
    static func measure(graph: Graph, opsets: [String: Int], nodes: [Int], samples: [Sample], threads: Int) throws -> [Measurement] {
        let reference = try Executor(graph: graph, opsets: opsets, threads: threads)
        let expected = try samples.map { try reference.run($0.inputs) }
        var measurements: [Measurement] = []
        for index in nodes {
            var rounded = graph
            var changed = false
            for (position, input) in graph.nodes[index].inputs.enumerated() {
                guard let tensor = graph.fixedInitializer(input), tensor.dataType == .float, tensor.count > 1 else { continue }
                let values = tensor.floats.map { HalfConversion.float(HalfConversion.halfBits($0)) }
                rounded.nodes[index].inputs[position] = rounded.addInitializer(Tensor(values, shape: tensor.shape), preferredName: input + "_rounded")
                changed = true
            }
            guard changed else { continue }
            let executor = try Executor(graph: rounded, opsets: opsets, threads: threads)
            var total = 0.0
            var count = 0
            for (sample, outputs) in zip(samples, expected) {
                let actual = try executor.run(sample.inputs)
                for (name, want) in outputs where want.dataType == .float {
                    guard let got = actual[name] else { continue }
                    total += relativeL2(got, want)
                    count += 1
                }
            }
            measurements.append(Measurement(node: index, error: count > 0 ? total / Double(count) : 0))
        }
        return measurements.sorted { $0.error > $1.error }
    }

    /// The most sensitive nodes to keep in float32 so that the estimated error of the rest,
    /// sqrt(sum of squares), stays within `budget`.
    static func nodesToKeep(_ measurements: [Measurement], budget: Double) -> [Measurement] {
        var remaining = measurements.reduce(0) { $0 + $1.error * $1.error }
        var kept: [Measurement] = []
        for measurement in measurements where remaining.squareRoot() > budget {
            kept.append(measurement)
            remaining -= measurement.error * measurement.error
        }
        return kept
    }

    static func relativeL2(_ a: Tensor, _ b: Tensor) -> Double {
        let x = UnsafeBufferPointer(start: a.pointer(Float.self), count: a.count)
        let y = UnsafeBufferPointer(start: b.pointer(Float.self), count: b.count)
        var difference = 0.0
        var norm = 0.0
        for (p, q) in zip(x, y) {
            difference += Double(p - q) * Double(p - q)
            norm += Double(q) * Double(q)
        }
        return norm > 0 ? (difference / norm).squareRoot() : difference.squareRoot()
    }
}
