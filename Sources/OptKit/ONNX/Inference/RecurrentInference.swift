/// LSTM, GRU and RNN: Y is `[seq, directions, batch, hidden]` (layout 0) or
/// `[batch, seq, directions, hidden]` (layout 1, opset 14+); the last hidden and cell states
/// are `[directions, batch, hidden]` or `[batch, directions, hidden]`.
extension InferenceRules {
    static let recurrentRules: [String: InferenceRule] = [
        "LSTM": { context in recurrent(&context, gates: 4) },
        "GRU": { context in recurrent(&context, gates: 3) },
        "RNN": { context in recurrent(&context, gates: 1) },
    ]

    private static func recurrent(_ context: inout NodeInference, gates: Int) {
        let dataType = context.dataType(0)
        context.requireSameType([0, 1, 2])
        let direction = context.string("direction") ?? "forward"
        guard ["forward", "reverse", "bidirectional"].contains(direction) else {
            context.invalidAttribute("direction", "unknown value '\(direction)'")
            return
        }
        let directions = Dim.fixed(direction == "bidirectional" ? 2 : 1)
        var hidden: Dim = context.int("hidden_size").map(Dim.fixed) ?? .unknown
        if case .unknown = hidden, let rows = context.shape(1)?.dropFirst().first?.value, rows % gates == 0 {
            hidden = .fixed(rows / gates)
        }
        let batchFirst = context.opset >= 14 && context.int("layout", default: 0) != 0
        guard let input = context.shape(0), input.count == 3 else {
            for output in 0..<context.outputCount { context.setOutput(output, dataType, nil) }
            return
        }
        let (sequence, batch) = batchFirst ? (input[1], input[0]) : (input[0], input[1])
        context.setOutput(0, dataType, batchFirst ? [batch, sequence, directions, hidden] : [sequence, directions, batch, hidden])
        let state = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        for output in 1..<max(1, context.outputCount) { context.setOutput(output, dataType, state) }
    }
}
