import Foundation

/// Runs a model on the inputs of ONNX test_data_set folders and compares its outputs with the
/// expected ones element by element, as numpy's `allclose` does (|actual - expected| <=
/// atol + rtol x |expected|). `optctl check` prints it; a user verifies a model file with it.
public struct TestDataCheck: Sendable {
    public var relativeTolerance: Double
    public var absoluteTolerance: Double

    public init(relativeTolerance: Double = 1e-3, absoluteTolerance: Double = 1e-5) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// One output of one sample.
    public struct OutputResult: Encodable, Equatable, Sendable {
        public var sample: String
        public var output: String
        public var maxAbsError: Double
        public var relativeL2Error: Double
        public var cosineSimilarity: Double
        /// Elements outside the tolerance, and the first of them (flat index).
        public var mismatched: Int
        public var firstMismatch: Int?
        public var elements: Int
        public var passed: Bool

        enum CodingKeys: String, CodingKey {
            case sample, output, mismatched, elements, passed
            case maxAbsError = "max_abs_error"
            case relativeL2Error = "relative_l2_error"
            case cosineSimilarity = "cosine_similarity"
            case firstMismatch = "first_mismatch"
        }
    }

    public struct Report: Encodable, Sendable {
        public var data: String
        public var rtol: Double
        public var atol: Double
        public var results: [OutputResult]
        public var passed: Bool { results.allSatisfy(\.passed) }

        enum CodingKeys: String, CodingKey { case data, rtol, atol, results, passed }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(data, forKey: .data)
            try c.encode(rtol, forKey: .rtol)
            try c.encode(atol, forKey: .atol)
            try c.encode(results, forKey: .results)
            try c.encode(passed, forKey: .passed)
        }
    }

    /// Every sample must carry expected outputs; a folder without them is malformed input.
    public func run(_ executor: Executor, on source: TestDataSetSource) async throws -> Report {
        var results: [OutputResult] = []
        for try await sample in source.samples() {
            guard let expected = sample.expectedOutputs, !expected.isEmpty else {
                throw InputError(kind: .malformedInput, message: "\(sample.name) in \(source.root.path) has no output_K.pb files to compare with")
            }
            let outputs = try executor.run(sample.inputs)
            for name in expected.keys.sorted() {
                guard let want = expected[name] else { continue }
                guard let got = outputs[name] else { throw EvaluationError.missingOutput(name) }
                guard got.shape == want.shape else {
                    throw EvaluationError.shapeMismatch(output: name, expected: want.shape, actual: got.shape)
                }
                results.append(try compare(got, want, sample: sample.name, output: name))
            }
        }
        guard !results.isEmpty else {
            throw InputError(kind: .malformedInput, message: "\(source.root.path) holds no test_data_set folders")
        }
        return Report(data: source.description, rtol: relativeTolerance, atol: absoluteTolerance, results: results)
    }

    func compare(_ actual: Tensor, _ expected: Tensor, sample: String, output: String) throws(EvaluationError) -> OutputResult {
        let a = try FidelityAccumulator.doubles(actual, output: output)
        let b = try FidelityAccumulator.doubles(expected, output: output)
        var dot = 0.0, normA = 0.0, normB = 0.0, difference = 0.0, maxAbs = 0.0
        var mismatched = 0
        var first: Int?
        for index in 0..<a.count {
            let d = abs(a[index] - b[index])
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
            difference += d * d
            maxAbs = max(maxAbs, d.isNaN ? .infinity : d)
            let close = d <= absoluteTolerance + relativeTolerance * abs(b[index]) || (a[index] == b[index])
            if !close {
                mismatched += 1
                if first == nil { first = index }
            }
        }
        return OutputResult(
            sample: sample, output: output, maxAbsError: maxAbs,
            relativeL2Error: FidelityAccumulator.relativeL2(differenceSquared: difference, referenceSquared: normB),
            cosineSimilarity: FidelityAccumulator.cosine(dot: dot, normASquared: normA, normBSquared: normB),
            mismatched: mismatched, firstMismatch: first, elements: a.count, passed: mismatched == 0)
    }
}
