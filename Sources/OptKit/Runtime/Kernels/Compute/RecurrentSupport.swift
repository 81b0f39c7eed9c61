import Foundation

/// Attributes and tensor plumbing shared by LSTM and GRU: direction, layout (opset 14's
/// batch-major form), clip, and the activation check (only the default activations run;
/// anything else fails at prepare time with unsupportedAttribute).
struct RecurrentAttributes {
    enum Direction: String {
        case forward, reverse, bidirectional
    }

    let attributes: ComputeAttributes
    let direction: Direction
    let batchMajor: Bool
    let clip: Float?
    let hiddenSize: Int?

    var directions: Int { direction == .bidirectional ? 2 : 1 }

    init(node: Node, defaultActivations: [String]) throws(EngineError) {
        attributes = ComputeAttributes(node)
        let raw = try attributes.string("direction", default: "forward")
        guard let direction = Direction(rawValue: raw) else {
            throw attributes.invalid("direction", "'\(raw)' is not forward, reverse or bidirectional")
        }
        self.direction = direction
        batchMajor = try attributes.int("layout", default: 0) != 0
        clip = try attributes.optionalFloat("clip")
        if let clip, clip <= 0 { throw attributes.invalid("clip", "must be positive, got \(clip)") }
        hiddenSize = attributes.has("hidden_size") ? try attributes.int("hidden_size", default: 0) : nil
        if let activations = try attributes.strings("activations") {
            let expected = direction == .bidirectional ? defaultActivations + defaultActivations : defaultActivations
            guard activations.map({ $0.lowercased() }) == expected.map({ $0.lowercased() }) else {
                throw attributes.unsupported("activations", "\(activations) (the engine runs the default \(defaultActivations))")
            }
        }
    }

    /// Sizes read from X and W, checked against each other.
    struct Sizes {
        let sequence: Int
        let batch: Int
        let input: Int
        let hidden: Int
    }

    func sizes(x: Tensor, w: Tensor, r: Tensor, gates: Int) throws(EngineError) -> Sizes {
        guard x.dataType == .float, w.dataType == .float, r.dataType == .float else {
            throw attributes.input("recurrent ops run on float tensors")
        }
        guard x.rank == 3, w.rank == 3, r.rank == 3 else {
            throw attributes.input("X, W and R must have rank 3, got \(x.shape), \(w.shape), \(r.shape)")
        }
        let (sequence, batch) = batchMajor ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
        let hidden = hiddenSize ?? r.shape[2]
        guard w.shape == [directions, gates * hidden, x.shape[2]], r.shape == [directions, gates * hidden, hidden] else {
            throw attributes.input("W \(w.shape) and R \(r.shape) do not fit \(directions) direction(s), \(gates) gates of hidden size \(hidden) and input size \(x.shape[2])")
        }
        return Sizes(sequence: sequence, batch: batch, input: x.shape[2], hidden: hidden)
    }

    /// Per batch entry, the number of valid steps (sequence_lens, or the whole sequence).
    func lengths(_ tensor: Tensor?, _ sizes: Sizes) throws(EngineError) -> [Int] {
        guard let tensor else { return [Int](repeating: sizes.sequence, count: sizes.batch) }
        guard tensor.count == sizes.batch else {
            throw attributes.input("sequence_lens must hold \(sizes.batch) values, got shape \(tensor.shape)")
        }
        let values: [Int]
        switch tensor.dataType {
        case .int32: values = tensor.elements(Int32.self).map(Int.init)
        case .int64: values = tensor.elements(Int64.self).map(Int.init)
        default: throw attributes.input("sequence_lens must be int32, got \(tensor.dataType)")
        }
        guard values.allSatisfy({ $0 >= 0 && $0 <= sizes.sequence }) else {
            throw attributes.input("sequence_lens values must lie in 0...\(sizes.sequence), got \(values)")
        }
        return values
    }

    /// An optional initial state [directions, batch, hidden] (or batch-major), as a
    /// direction-major contiguous array.
    func initialState(_ tensor: Tensor?, _ sizes: Sizes, name: String) throws(EngineError) -> [Float] {
        let count = directions * sizes.batch * sizes.hidden
        guard let tensor else { return [Float](repeating: 0, count: count) }
        guard tensor.dataType == .float, tensor.count == count else {
            throw attributes.input("\(name) must hold \(directions)x\(sizes.batch)x\(sizes.hidden) floats, got shape \(tensor.shape)")
        }
        let values = tensor.elements(Float.self)
        guard batchMajor else { return values }
        var result = values
        for b in 0..<sizes.batch {
            for d in 0..<directions {
                for h in 0..<sizes.hidden {
                    result[(d * sizes.batch + b) * sizes.hidden + h] = values[(b * directions + d) * sizes.hidden + h]
                }
            }
        }
        return result
    }

    /// Offset of row (t, b) of X: time-major or batch-major.
    func inputRow(time t: Int, batch b: Int, _ sizes: Sizes) -> Int {
        batchMajor ? b * sizes.sequence + t : t * sizes.batch + b
    }

    /// Offset of Y's (t, d, b) hidden vector.
    func outputOffset(time t: Int, direction d: Int, batch b: Int, _ sizes: Sizes) -> Int {
        let index = batchMajor
            ? ((b * sizes.sequence + t) * directions + d)
            : ((t * directions + d) * sizes.batch + b)
        return index * sizes.hidden
    }

    /// Offset of the final-state outputs' (d, b) vector.
    func stateOffset(direction d: Int, batch b: Int, _ sizes: Sizes) -> Int {
        (batchMajor ? b * directions + d : d * sizes.batch + b) * sizes.hidden
    }

    func outputShapes(_ sizes: Sizes) -> (sequence: [Int], state: [Int]) {
        batchMajor
            ? ([sizes.batch, sizes.sequence, directions, sizes.hidden], [sizes.batch, directions, sizes.hidden])
            : ([sizes.sequence, directions, sizes.batch, sizes.hidden], [directions, sizes.batch, sizes.hidden])
    }

    @inline(__always) func clipped(_ value: Float) -> Float {
        guard let clip else { return value }
        return min(max(value, -clip), clip)
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
