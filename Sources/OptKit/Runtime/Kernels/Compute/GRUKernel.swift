import Foundation

/// GRU (opsets 7, 14, 22): forward, reverse or bidirectional, the default activations
/// (Sigmoid, Tanh), optional bias, sequence_lens, initial state, clip, linear_before_reset and
/// the batch-major layout. Custom activations are unsupported.
struct GRUKernel: Kernel {
    let recurrent: RecurrentAttributes
    let linearBeforeReset: Bool

    init(node: Node) throws(EngineError) {
        recurrent = try RecurrentAttributes(node: node, defaultActivations: ["Sigmoid", "Tanh"])
        linearBeforeReset = try recurrent.attributes.int("linear_before_reset", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let attributes = recurrent.attributes
        guard inputs.count >= 3, let x = inputs[0], let w = inputs[1], let r = inputs[2] else {
            throw attributes.input("GRU takes inputs X, W and R")
        }
        func optional(_ index: Int) -> Tensor? { index < inputs.count ? inputs[index] : nil }
        let sizes = try recurrent.sizes(x: x, w: w, r: r, gates: 3)
        let (hidden, batch, directions) = (sizes.hidden, sizes.batch, recurrent.directions)
        let lengths = try recurrent.lengths(optional(4), sizes)
        var h = try recurrent.initialState(optional(5), sizes, name: "initial_h")
        let bias = optional(3)
        if let bias, bias.dataType != .float || bias.shape != [directions, 6 * hidden] {
            throw attributes.input("B must have shape [\(directions), \(6 * hidden)], got \(bias.shape)")
        }
        let shapes = recurrent.outputShapes(sizes)
        let y = context.allocate(.float, shapes.sequence), yh = context.allocate(.float, shapes.state)
        let py = y.pointer(Float.self)
        py.initialize(repeating: 0, count: y.count)
        let rows = sizes.sequence * batch, width = 3 * hidden
        var projected = [Float](repeating: 0, count: rows * width)
        var xg = [Float](repeating: 0, count: batch * width)
        var hr = [Float](repeating: 0, count: batch * width)
        var resetState = [Float](repeating: 0, count: batch * hidden)
        var candidate = [Float](repeating: 0, count: batch * hidden)
        for d in 0..<directions {
            // Wb for every gate; Rb of z and r too (always added linearly); Rbh is applied on
            // the recurrent term of the hidden gate.
            var inputBias = [Float](repeating: 0, count: width)
            var recurrentBias = [Float](repeating: 0, count: width)
            if let bias {
                let pb = bias.pointer(Float.self) + d * 6 * hidden
                for j in 0..<width { inputBias[j] = pb[j]; recurrentBias[j] = pb[width + j] }
                for j in 0..<2 * hidden { inputBias[j] += recurrentBias[j]; recurrentBias[j] = 0 }
            }
            projected.withUnsafeMutableBufferPointer { out in
                SGEMM.product(
                    m: rows, n: width, k: sizes.input,
                    a: .matrix(x.pointer(Float.self), rowStride: sizes.input, columnStride: 1),
                    b: .matrix(w.pointer(Float.self) + d * width * sizes.input, rowStride: 1, columnStride: sizes.input),
                    c: out.baseAddress!, ldc: width, epilogue: GemmEpilogue(columnBias: inputBias), context: context)
            }
            let recurrence = PackedMatrix(rows: hidden, columns: width, source: r.pointer(Float.self) + d * width * hidden,
                                          rowStride: 1, columnStride: hidden, asA: false)
            let hiddenRecurrence = PackedMatrix(rows: hidden, columns: hidden, source: r.pointer(Float.self) + d * width * hidden + 2 * hidden * hidden,
                                                rowStride: 1, columnStride: hidden, asA: false)
            let reverse = recurrent.direction == .reverse || d == 1
            for step in 0..<sizes.sequence {
                for b in 0..<batch where step < lengths[b] {
                    let t = reverse ? lengths[b] - 1 - step : step
                    let row = recurrent.inputRow(time: t, batch: b, sizes)
                    for j in 0..<width { xg[b * width + j] = projected[row * width + j] }
                }
                // H * R^T for all three gates, with Rbh on the hidden gate's part.
                h.withUnsafeBufferPointer { state in
                    hr.withUnsafeMutableBufferPointer { out in
                        SGEMM.product(
                            m: batch, n: width, k: hidden,
                            a: .matrix(state.baseAddress! + d * batch * hidden, rowStride: hidden, columnStride: 1),
                            b: .packed(recurrence.pointer), c: out.baseAddress!, ldc: width,
                            epilogue: GemmEpilogue(columnBias: recurrentBias), context: context)
                    }
                }
                for b in 0..<batch where step < lengths[b] {
                    let state = (d * batch + b) * hidden
                    for j in 0..<hidden {
                        let reset = sigmoid(recurrent.clipped(xg[b * width + hidden + j] + hr[b * width + hidden + j]))
                        if linearBeforeReset {
                            candidate[b * hidden + j] = tanh(recurrent.clipped(xg[b * width + 2 * hidden + j] + reset * hr[b * width + 2 * hidden + j]))
                        } else {
                            resetState[b * hidden + j] = reset * h[state + j]
                        }
                    }
                }
                if !linearBeforeReset {
                    // (r . H) * Rh^T + Rbh, then the hidden gate.
                    let rbh = Array(recurrentBias[(2 * hidden)...])
                    resetState.withUnsafeBufferPointer { input in
                        candidate.withUnsafeMutableBufferPointer { out in
                            SGEMM.product(
                                m: batch, n: hidden, k: hidden,
                                a: .matrix(input.baseAddress!, rowStride: hidden, columnStride: 1),
                                b: .packed(hiddenRecurrence.pointer), c: out.baseAddress!, ldc: hidden,
                                epilogue: GemmEpilogue(columnBias: rbh), context: context)
                        }
                    }
                    for b in 0..<batch where step < lengths[b] {
                        for j in 0..<hidden {
                            candidate[b * hidden + j] = tanh(recurrent.clipped(xg[b * width + 2 * hidden + j] + candidate[b * hidden + j]))
                        }
                    }
                }
                for b in 0..<batch where step < lengths[b] {
                    let t = reverse ? lengths[b] - 1 - step : step
                    let state = (d * batch + b) * hidden
                    let out = recurrent.outputOffset(time: t, direction: d, batch: b, sizes)
                    for j in 0..<hidden {
                        let update = sigmoid(recurrent.clipped(xg[b * width + j] + hr[b * width + j]))
                        let value = (1 - update) * candidate[b * hidden + j] + update * h[state + j]
                        h[state + j] = value
                        py[out + j] = value
                    }
                }
            }
        }
        let ph = yh.pointer(Float.self)
        for d in 0..<directions {
            for b in 0..<batch {
                let source = (d * batch + b) * hidden, target = recurrent.stateOffset(direction: d, batch: b, sizes)
                for j in 0..<hidden { ph[target + j] = h[source + j] }
            }
        }
        return [y, yh]
    }
}
