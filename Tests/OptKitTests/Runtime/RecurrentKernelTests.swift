import Foundation
import Testing
@testable import OptKit

private func sig(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

/// Naive LSTM for one direction: returns Y [seq][batch][hidden] (zeros past a sequence's
/// length) and the final H and C per batch entry.
private func referenceLSTM(
    x: [Float], seq: Int, batch: Int, input: Int, hidden: Int, w: [Float], r: [Float], b: [Float], lengths: [Int], reverse: Bool
) -> (y: [Float], h: [Float], c: [Float]) {
    var y = [Float](repeating: 0, count: seq * batch * hidden)
    var h = [Float](repeating: 0, count: batch * hidden), c = h
    for bi in 0..<batch {
        for step in 0..<lengths[bi] {
            let t = reverse ? lengths[bi] - 1 - step : step
            var gates = [Float](repeating: 0, count: 4 * hidden)
            for g in 0..<4 * hidden {
                var sum = b[g] + b[4 * hidden + g]
                for k in 0..<input { sum += x[(t * batch + bi) * input + k] * w[g * input + k] }
                for k in 0..<hidden { sum += h[bi * hidden + k] * r[g * hidden + k] }
                gates[g] = sum
            }
            for j in 0..<hidden {
                let i = sig(gates[j]), o = sig(gates[hidden + j]), f = sig(gates[2 * hidden + j]), cand = tanh(gates[3 * hidden + j])
                c[bi * hidden + j] = f * c[bi * hidden + j] + i * cand
                h[bi * hidden + j] = o * tanh(c[bi * hidden + j])
                y[(t * batch + bi) * hidden + j] = h[bi * hidden + j]
            }
        }
    }
    return (y, h, c)
}

/// Naive GRU for one direction, both linear_before_reset forms.
private func referenceGRU(
    x: [Float], seq: Int, batch: Int, input: Int, hidden: Int, w: [Float], r: [Float], b: [Float], lengths: [Int], reverse: Bool, linearBeforeReset: Bool
) -> (y: [Float], h: [Float]) {
    var y = [Float](repeating: 0, count: seq * batch * hidden)
    var h = [Float](repeating: 0, count: batch * hidden)
    for bi in 0..<batch {
        for step in 0..<lengths[bi] {
            let t = reverse ? lengths[bi] - 1 - step : step
            func xw(_ g: Int) -> Float {
                var sum = b[g]
                for k in 0..<input { sum += x[(t * batch + bi) * input + k] * w[g * input + k] }
                return sum
            }
            func hr(_ g: Int, _ state: [Float]) -> Float {
                var sum = b[3 * hidden + g]
                for k in 0..<hidden { sum += state[k] * r[g * hidden + k] }
                return sum
            }
            let previous = Array(h[bi * hidden..<(bi + 1) * hidden])
            let z = (0..<hidden).map { sig(xw($0) + hr($0, previous)) }
            let rr = (0..<hidden).map { sig(xw(hidden + $0) + hr(hidden + $0, previous)) }
            let reset = zip(rr, previous).map { $0 * $1 }
            for j in 0..<hidden {
                let cand = linearBeforeReset
                    ? tanh(xw(2 * hidden + j) + rr[j] * hr(2 * hidden + j, previous))
                    : tanh(xw(2 * hidden + j) + hr(2 * hidden + j, reset))
                h[bi * hidden + j] = (1 - z[j]) * cand + z[j] * previous[j]
                y[(t * batch + bi) * hidden + j] = h[bi * hidden + j]
            }
        }
    }
    return (y, h)
}

@Suite struct RecurrentKernelTests {
    let seq = 5, batch = 3, input = 4, hidden = 6

    /// Y [seq, dirs, batch, hidden] from per-direction [seq, batch, hidden] arrays.
    func interleave(_ parts: [[Float]]) -> [Float] {
        var result: [Float] = []
        for t in 0..<seq {
            for part in parts { result += part[t * batch * hidden..<(t + 1) * batch * hidden] }
        }
        return result
    }

    @Test(arguments: ["forward", "reverse", "bidirectional"], [false, true])
    func lstmMatchesReference(direction: String, withLengths: Bool) throws {
        let dirs = direction == "bidirectional" ? 2 : 1
        let x = randomTensor([seq, batch, input], seed: 71)
        let w = randomTensor([dirs, 4 * hidden, input], seed: 72, range: -0.5...0.5)
        let r = randomTensor([dirs, 4 * hidden, hidden], seed: 73, range: -0.5...0.5)
        let b = randomTensor([dirs, 8 * hidden], seed: 74, range: -0.5...0.5)
        let lengths = withLengths ? [5, 2, 4] : [5, 5, 5]
        let lens = Tensor(elements: lengths.map(Int32.init), dataType: .int32, shape: [batch])
        let node = Node(name: "lstm", opType: "LSTM", inputs: ["X", "W", "R", "B", "L"], outputs: ["Y", "Yh", "Yc"],
                        attributes: ["hidden_size": .int(hidden), "direction": .string(direction)])
        let outputs = try runKernel(node, [x, w, r, b, lens], opset: 14, threads: 2)
        let parts = (0..<dirs).map { d in
            referenceLSTM(x: x.elements(), seq: seq, batch: batch, input: input, hidden: hidden,
                          w: Array(w.elements(Float.self)[d * 4 * hidden * input..<(d + 1) * 4 * hidden * input]),
                          r: Array(r.elements(Float.self)[d * 4 * hidden * hidden..<(d + 1) * 4 * hidden * hidden]),
                          b: Array(b.elements(Float.self)[d * 8 * hidden..<(d + 1) * 8 * hidden]),
                          lengths: lengths, reverse: direction == "reverse" || d == 1)
        }
        expectClose(outputs[0], interleave(parts.map(\.y)), shape: [seq, dirs, batch, hidden])
        expectClose(outputs[1], parts.flatMap(\.h), shape: [dirs, batch, hidden])
        expectClose(outputs[2], parts.flatMap(\.c), shape: [dirs, batch, hidden])
    }

    @Test(arguments: [false, true], ["forward", "bidirectional"])
    func gruMatchesReference(linearBeforeReset: Bool, direction: String) throws {
        let dirs = direction == "bidirectional" ? 2 : 1
        let x = randomTensor([seq, batch, input], seed: 81)
        let w = randomTensor([dirs, 3 * hidden, input], seed: 82, range: -0.5...0.5)
        let r = randomTensor([dirs, 3 * hidden, hidden], seed: 83, range: -0.5...0.5)
        let b = randomTensor([dirs, 6 * hidden], seed: 84, range: -0.5...0.5)
        let node = Node(name: "gru", opType: "GRU", inputs: ["X", "W", "R", "B"], outputs: ["Y", "Yh"], attributes: [
            "hidden_size": .int(hidden), "direction": .string(direction), "linear_before_reset": .int(linearBeforeReset ? 1 : 0),
        ])
        let outputs = try runKernel(node, [x, w, r, b], opset: 14)
        let parts = (0..<dirs).map { d in
            referenceGRU(x: x.elements(), seq: seq, batch: batch, input: input, hidden: hidden,
                         w: Array(w.elements(Float.self)[d * 3 * hidden * input..<(d + 1) * 3 * hidden * input]),
                         r: Array(r.elements(Float.self)[d * 3 * hidden * hidden..<(d + 1) * 3 * hidden * hidden]),
                         b: Array(b.elements(Float.self)[d * 6 * hidden..<(d + 1) * 6 * hidden]),
                         lengths: [seq, seq, seq], reverse: d == 1, linearBeforeReset: linearBeforeReset)
        }
        expectClose(outputs[0], interleave(parts.map(\.y)), shape: [seq, dirs, batch, hidden])
        expectClose(outputs[1], parts.flatMap(\.h), shape: [dirs, batch, hidden])
    }

    @Test func batchMajorLayoutTransposesInputsAndOutputs() throws {
        let x = randomTensor([seq, batch, input], seed: 91)
        let w = randomTensor([1, 3 * hidden, input], seed: 92), r = randomTensor([1, 3 * hidden, hidden], seed: 93)
        let timeMajor = try runKernel(Node(name: "g", opType: "GRU", inputs: ["X", "W", "R"], outputs: ["Y", "Yh"], attributes: ["hidden_size": .int(hidden)]), [x, w, r], opset: 14)
        var xt = [Float](repeating: 0, count: x.count)
        let xv = x.elements(Float.self)
        for t in 0..<seq { for b in 0..<batch { for k in 0..<input { xt[(b * seq + t) * input + k] = xv[(t * batch + b) * input + k] } } }
        let batchMajor = try runKernel(Node(name: "g", opType: "GRU", inputs: ["X", "W", "R"], outputs: ["Y", "Yh"], attributes: ["hidden_size": .int(hidden), "layout": .int(1)]),
                                       [floats(xt, [batch, seq, input]), w, r], opset: 14)
        #expect(batchMajor[0].shape == [batch, seq, 1, hidden])
        let y = timeMajor[0].elements(Float.self)
        var expected = [Float](repeating: 0, count: y.count)
        for t in 0..<seq { for b in 0..<batch { for j in 0..<hidden { expected[(b * seq + t) * hidden + j] = y[(t * batch + b) * hidden + j] } } }
        expectClose(batchMajor[0], expected)
        expectClose(batchMajor[1], timeMajor[1].elements(), shape: [batch, 1, hidden])
    }

    @Test func unsupportedConfigurationsFailAtPrepareTime() {
        let custom = Node(name: "lstm", opType: "LSTM", inputs: ["X", "W", "R"], outputs: ["Y"],
                          attributes: ["hidden_size": .int(4), "activations": .strings(["Relu", "Tanh", "Tanh"])])
        #expect(throws: EngineError.unsupportedAttribute(node: "lstm", attribute: "activations", message: "[\"Relu\", \"Tanh\", \"Tanh\"] (the engine runs the default [\"Sigmoid\", \"Tanh\", \"Tanh\"])")) {
            try KernelRegistry.kernel(for: custom, opset: 14)
        }
        let coupled = Node(name: "lstm", opType: "LSTM", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: ["input_forget": .int(1)])
        #expect(throws: EngineError.unsupportedAttribute(node: "lstm", attribute: "input_forget", message: "coupled input and forget gates")) {
            try KernelRegistry.kernel(for: coupled, opset: 14)
        }
        let gru = Node(name: "gru", opType: "GRU", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: ["activations": .strings(["Sigmoid", "Relu"])])
        #expect(throws: EngineError.self) { try KernelRegistry.kernel(for: gru, opset: 14) }
        let defaults = Node(name: "gru", opType: "GRU", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: ["activations": .strings(["Sigmoid", "Tanh"])])
        #expect(throws: Never.self) { try KernelRegistry.kernel(for: defaults, opset: 14) }
    }
}
