import Foundation

/// LSTM (opsets 7, 14, 22): forward, reverse or bidirectional, the default activations
/// (Sigmoid, Tanh, Tanh), optional bias, sequence_lens, initial states, peepholes, clip and the
/// batch-major layout. The input projection of every step runs as one GEMM; each step then adds
/// H_{t-1} * R^T. input_forget and custom activations are unsupported.
struct LSTMKernel: Kernel {
    let recurrent: RecurrentAttributes

    init(node: Node) throws(EngineError) {
        recurrent = try RecurrentAttributes(node: node, defaultActivations: ["Sigmoid", "Tanh", "Tanh"])
        if try recurrent.attributes.int("input_forget", default: 0) != 0 {
            throw recurrent.attributes.unsupported("input_forget", "coupled input and forget gates")
        }
    }

    func run(_ inputs: [Tensor?], _ context: KernelContext) throws(EngineError) -> [Tensor] {
        let attributes = recurrent.attributes
        guard inputs.count >= 3, let x = inputs[0], let w = inputs[1], let r = inputs[2] else {
            throw attributes.input("LSTM takes inputs X, W and R")
        }
        func optional(_ index: Int) -> Tensor? { index < inputs.count ? inputs[index] : nil }
        let sizes = try recurrent.sizes(x: x, w: w, r: r, gates: 4)
        let (hidden, batch, directions) = (sizes.hidden, sizes.batch, recurrent.directions)
        let lengths = try recurrent.lengths(optional(4), sizes)
        var h = try recurrent.initialState(optional(5), sizes, name: "initial_h")
        var c = try recurrent.initialState(optional(6), sizes, name: "initial_c")
        let bias = optional(3), peepholes = optional(7)
        if let bias, bias.dataType != .float || bias.shape != [directions, 8 * hidden] {
            throw attributes.input("B must have shape [\(directions), \(8 * hidden)], got \(bias.shape)")
        }
        if let peepholes, peepholes.dataType != .float || peepholes.shape != [directions, 3 * hidden] {
            throw attributes.input("P must have shape [\(directions), \(3 * hidden)], got \(peepholes.shape)")
        }
        let shapes = recurrent.outputShapes(sizes)
        let y = context.allocate(.float, shapes.sequence)
        let yh = context.allocate(.float, shapes.state), yc = context.allocate(.float, shapes.state)
        let py = y.pointer(Float.self)
        py.initialize(repeating: 0, count: y.count)
        let rows = sizes.sequence * batch, width = 4 * hidden
        var projected = [Float](repeating: 0, count: rows * width)
        var gates = [Float](repeating: 0, count: batch * width)
        for d in 0..<directions {
            // Bias of the gates: Wb + Rb, order i, o, f, c.
            var gateBias = [Float](repeating: 0, count: width)
            if let bias {
                let pb = bias.pointer(Float.self) + d * 8 * hidden
                for j in 0..<width { gateBias[j] = pb[j] + pb[width + j] }
            }
            projected.withUnsafeMutableBufferPointer { out in
                SGEMM.product(
                    m: rows, n: width, k: sizes.input,
                    a: .matrix(x.pointer(Float.self), rowStride: sizes.input, columnStride: 1),
                    b: .matrix(w.pointer(Float.self) + d * width * sizes.input, rowStride: 1, columnStride: sizes.input),
                    c: out.baseAddress!, ldc: width, epilogue: GemmEpilogue(columnBias: gateBias), context: context)
            }
            let recurrence = PackedMatrix(rows: hidden, columns: width, source: r.pointer(Float.self) + d * width * hidden,
                                          rowStride: 1, columnStride: hidden, asA: false)
            let p = peepholes.map { Array(UnsafeBufferPointer(start: $0.pointer(Float.self) + d * 3 * hidden, count: 3 * hidden)) }
                ?? [Float](repeating: 0, count: 3 * hidden)
            let reverse = recurrent.direction == .reverse || d == 1
            for step in 0..<sizes.sequence {
                // Gather each batch entry's projected input for its time step.
                for b in 0..<batch where step < lengths[b] {
                    let t = reverse ? lengths[b] - 1 - step : step
                    let row = recurrent.inputRow(time: t, batch: b, sizes)
                    for j in 0..<width { gates[b * width + j] = projected[row * width + j] }
                }
                h.withUnsafeBufferPointer { state in
                    gates.withUnsafeMutableBufferPointer { g in
                        SGEMM.product(
                            m: batch, n: width, k: hidden,
                            a: .matrix(state.baseAddress! + d * batch * hidden, rowStride: hidden, columnStride: 1),
                            b: .packed(recurrence.pointer), c: g.baseAddress!, ldc: width,
                            epilogue: GemmEpilogue(accumulate: true), context: context)
                    }
                }
                for b in 0..<batch where step < lengths[b] {
                    let t = reverse ? lengths[b] - 1 - step : step
                    let base = b * width, state = (d * batch + b) * hidden
                    let out = recurrent.outputOffset(time: t, direction: d, batch: b, sizes)
                    for j in 0..<hidden {
                        let previous = c[state + j]
                        let i = sigmoid(recurrent.clipped(gates[base + j] + p[j] * previous))
                        let f = sigmoid(recurrent.clipped(gates[base + 2 * hidden + j] + p[2 * hidden + j] * previous))
                        let candidate = tanh(recurrent.clipped(gates[base + 3 * hidden + j]))
                        let cell = f * previous + i * candidate
                        let o = sigmoid(recurrent.clipped(gates[base + hidden + j] + p[hidden + j] * cell))
                        let value = o * tanh(cell)
                        c[state + j] = cell
                        h[state + j] = value
                        py[out + j] = value
                    }
                }
            }
        }
        let (ph, pc) = (yh.pointer(Float.self), yc.pointer(Float.self))
        for d in 0..<directions {
            for b in 0..<batch {
                let source = (d * batch + b) * hidden, target = recurrent.stateOffset(direction: d, batch: b, sizes)
                for j in 0..<hidden {
                    ph[target + j] = h[source + j]
                    pc[target + j] = c[source + j]
                }
            }
        }
        return [y, yh, yc]
    }
}
