import Foundation

/// How close one output of the optimized model is to its reference, over all samples
/// (docs/metrics.md defines each figure).
public struct OutputFidelity: Codable, Equatable, Sendable {
    public var output: String
    public var samples: Int
    /// Mean over samples of the cosine similarity of the flattened tensors.
    public var cosineSimilarity: Double
    /// Mean over samples of ||optimized - reference|| / ||reference||.
    public var relativeL2Error: Double
    /// Largest absolute element difference over all samples.
    public var maxAbsError: Double
    /// Fraction of rows whose arg-max agrees, for outputs shaped like class scores
    /// (rank >= 2, last dimension >= 2); nil otherwise.
    public var top1Agreement: Double?
    /// Whether `top1Agreement` (rather than the relative L2 error) decides this output's
    /// accuracy retention: the user declared it as class scores.
    public var scoredByTop1: Bool
    /// This output's share of accuracy retention: 100 x top-1 agreement when scored by top-1,
    /// else 100 x mean over samples of max(0, 1 - relative L2 error).
    public var retentionPercent: Double

    enum CodingKeys: String, CodingKey {
        case output, samples
        case cosineSimilarity = "cosine_similarity"
        case relativeL2Error = "relative_l2_error"
        case maxAbsError = "max_abs_error"
        case top1Agreement = "top1_agreement"
        case scoredByTop1 = "scored_by_top1"
        case retentionPercent = "retention_percent"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(output, forKey: .output)
        try c.encode(samples, forKey: .samples)
        try c.encode(cosineSimilarity, forKey: .cosineSimilarity)
        try c.encode(relativeL2Error, forKey: .relativeL2Error)
        try c.encode(maxAbsError, forKey: .maxAbsError)
        try c.encode(top1Agreement, forKey: .top1Agreement)
        try c.encode(scoredByTop1, forKey: .scoredByTop1)
        try c.encode(retentionPercent, forKey: .retentionPercent)
    }
}

/// The fidelity of a model's outputs against a reference, and the accuracy retention they give.
public struct FidelityReport: Codable, Equatable, Sendable {
    /// "expected outputs" (the data carried them) or "baseline model outputs".
    public var reference: String
    public var samples: Int
    public var outputs: [OutputFidelity]
    /// contracts.md: 100 x mean over samples and outputs of max(0, 1 - relative L2 error), an
    /// output declared as class scores counting top-1 agreement instead.
    public var accuracyRetentionPercent: Double

    enum CodingKeys: String, CodingKey {
        case reference, samples, outputs
        case accuracyRetentionPercent = "accuracy_retention_percent"
    }
}

/// Accumulates per-sample comparisons without keeping the tensors.
public struct FidelityAccumulator: Sendable {
    struct Totals: Sendable {
        var samples = 0
        var cosine = 0.0
        var relativeL2 = 0.0
        var retention = 0.0
        var maxAbs = 0.0
        var top1Rows = 0
        var top1Agreeing = 0
    }

    public let reference: String
    let top1Outputs: Set<String>
    private var totals: [String: Totals] = [:]
    private var order: [String] = []

    /// `top1Outputs`: outputs the user declared as class scores (`--top1`).
    public init(reference: String, top1Outputs: Set<String> = []) {
        self.reference = reference
        self.top1Outputs = top1Outputs
    }

    /// Compares one sample's outputs; every reference output must be present with the same
    /// element count.
    public mutating func add(outputs: [String: Tensor], reference references: [String: Tensor]) throws(EvaluationError) {
        for name in references.keys.sorted() {
            guard let expected = references[name] else { continue }
            guard let actual = outputs[name] else { throw .missingOutput(name) }
            guard actual.count == expected.count else {
                throw .shapeMismatch(output: name, expected: expected.shape, actual: actual.shape)
            }
            let a = try Self.doubles(actual, output: name)
            let b = try Self.doubles(expected, output: name)
            if totals[name] == nil { order.append(name) }
            var t = totals[name] ?? Totals()
            var dot = 0.0, normA = 0.0, normB = 0.0, diff = 0.0, maxAbs = 0.0
            for index in 0..<a.count {
                let d = a[index] - b[index]
                dot += a[index] * b[index]
                normA += a[index] * a[index]
                normB += b[index] * b[index]
                diff += d * d
                maxAbs = max(maxAbs, abs(d))
            }
            let relativeL2 = Self.relativeL2(differenceSquared: diff, referenceSquared: normB)
            t.samples += 1
            t.cosine += Self.cosine(dot: dot, normASquared: normA, normBSquared: normB)
            t.relativeL2 += relativeL2
            t.retention += max(0, 1 - relativeL2)
            t.maxAbs = max(t.maxAbs, maxAbs)
            if let classes = expected.shape.last, expected.rank >= 2, classes >= 2 {
                let rows = a.count / classes
                for row in 0..<rows {
                    let range = row * classes..<(row + 1) * classes
                    if Self.argmax(a[range]) == Self.argmax(b[range]) { t.top1Agreeing += 1 }
                }
                t.top1Rows += rows
            }
            totals[name] = t
        }
    }

    public func report() -> FidelityReport {
        let outputs = order.map { name -> OutputFidelity in
            let t = totals[name]!
            let n = Double(max(1, t.samples))
            let top1 = t.top1Rows > 0 ? Double(t.top1Agreeing) / Double(t.top1Rows) : nil
            let byTop1 = top1Outputs.contains(name) && top1 != nil
            return OutputFidelity(
                output: name, samples: t.samples, cosineSimilarity: t.cosine / n, relativeL2Error: t.relativeL2 / n,
                maxAbsError: t.maxAbs, top1Agreement: top1, scoredByTop1: byTop1,
                retentionPercent: 100 * (byTop1 ? top1! : t.retention / n))
        }
        let retention = outputs.isEmpty ? 0 : outputs.map(\.retentionPercent).reduce(0, +) / Double(outputs.count)
        return FidelityReport(
            reference: reference, samples: outputs.first?.samples ?? 0, outputs: outputs, accuracyRetentionPercent: retention)
    }

    /// ||a - b|| / ||b||; 0 when both are zero, 1 when only the reference is zero.
    static func relativeL2(differenceSquared: Double, referenceSquared: Double) -> Double {
        if referenceSquared == 0 { return differenceSquared == 0 ? 0 : 1 }
        return (differenceSquared / referenceSquared).squareRoot()
    }

    /// 1 when both vectors are zero, 0 when only one is.
    static func cosine(dot: Double, normASquared: Double, normBSquared: Double) -> Double {
        if normASquared == 0 || normBSquared == 0 { return normASquared == normBSquared ? 1 : 0 }
        return dot / (normASquared.squareRoot() * normBSquared.squareRoot())
    }

    static func argmax(_ values: ArraySlice<Double>) -> Int {
        var best = values.startIndex
        for index in values.indices where values[index] > values[best] { best = index }
        return best - values.startIndex
    }

    static func doubles(_ tensor: Tensor, output: String) throws(EvaluationError) -> [Double] {
        let n = tensor.count
        switch tensor.dataType {
        case .float: return UnsafeBufferPointer(start: tensor.pointer(Float.self), count: n).map(Double.init)
        case .double: return Array(UnsafeBufferPointer(start: tensor.pointer(Double.self), count: n))
        case .float16: return UnsafeBufferPointer(start: tensor.pointer(Float16.self), count: n).map(Double.init)
        case .int64: return UnsafeBufferPointer(start: tensor.pointer(Int64.self), count: n).map(Double.init)
        case .int32: return UnsafeBufferPointer(start: tensor.pointer(Int32.self), count: n).map(Double.init)
        case .int8: return UnsafeBufferPointer(start: tensor.pointer(Int8.self), count: n).map(Double.init)
        case .uint8, .bool: return UnsafeBufferPointer(start: tensor.pointer(UInt8.self), count: n).map(Double.init)
        default: throw .unsupportedType(output: output, dataType: tensor.dataType)
        }
    }
}

/// Outputs that cannot be compared.
public enum EvaluationError: Error, Equatable, Sendable {
    case missingOutput(String)
    case shapeMismatch(output: String, expected: [Int], actual: [Int])
    case unsupportedType(output: String, dataType: DataType)
}

extension EvaluationError: UserFacingError {
    public var kind: ErrorKind { .malformedInput }
    public var message: String {
        switch self {
        case .missingOutput(let name): "the model produced no output '\(name)', which the reference data has"
        case let .shapeMismatch(output, expected, actual):
            "output '\(output)' has shape \(actual), the reference has \(expected)"
        case let .unsupportedType(output, dataType): "output '\(output)' is \(dataType), which cannot be compared"
        }
    }
}
