import Crypto
import Foundation

/// Inputs invented from the model's declared input types, for calibration when the user gave
/// no data: floating inputs uniform in [-1, 1), integer inputs zero, booleans false, symbolic
/// and unknown dims set to 1. Deterministic: the same model gives the same samples.
public struct SyntheticSampleSource: SampleSource {
    public let inputs: [(name: String, dataType: DataType, shape: [Int])]
    public let sampleCount: Int
    public let seed: UInt64

    /// Fails, naming the input, when an input declares no element type or no rank.
    public init(inputs: [ValueInfo], count: Int = 8, seed: UInt64 = 0x5eed) throws(InputError) {
        var resolved: [(String, DataType, [Int])] = []
        for input in inputs {
            guard let type = input.type, let dims = type.shape, type.dataType.byteSize != nil else {
                throw InputError(kind: .validation, message: "input '\(input.name)' declares no element type and rank, so no synthetic data can be drawn for it; give calibration data")
            }
            resolved.append((input.name, type.dataType, dims.map { $0.value ?? 1 }))
        }
        self.inputs = resolved
        sampleCount = max(1, count)
        self.seed = seed
    }

    public var description: String {
        "synthetic: \(sampleCount) samples uniform in [-1, 1) from the declared input shapes (symbolic dims 1)"
    }

    public var isSynthetic: Bool { true }
    public var count: Int? { sampleCount }

    public func fingerprint() async throws -> String {
        var hasher = SHA256()
        for index in 0..<sampleCount {
            for (_, tensor) in sample(index).inputs.sorted(by: { $0.key < $1.key }) {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public func samples() -> AsyncThrowingStream<Sample, any Error> {
        let source = self
        return sampleStream(0) { index in
            guard index < source.sampleCount else { return nil }
            defer { index += 1 }
            return source.sample(index)
        }
    }

    /// Sample `index`, computed from the seed alone.
    func sample(_ index: Int) -> Sample {
        var generator = SplitMix64(seed: seed &+ UInt64(index) &* 0x9e37_79b9_7f4a_7c15)
        var tensors: [String: Tensor] = [:]
        for input in inputs {
            let tensor = Tensor(dataType: input.dataType, shape: input.shape)
            switch input.dataType {
            case .float:
                let values = tensor.pointer(Float.self)
                for i in 0..<tensor.count { values[i] = generator.unitInterval() * 2 - 1 }
            case .double:
                let values = tensor.pointer(Double.self)
                for i in 0..<tensor.count { values[i] = Double(generator.unitInterval() * 2 - 1) }
            case .float16:
                let values = tensor.pointer(UInt16.self)
                for i in 0..<tensor.count { values[i] = HalfConversion.halfBits(generator.unitInterval() * 2 - 1) }
            default:
                break  // zero-filled: integer ids 0, booleans false
            }
            tensors[input.name] = tensor
        }
        return Sample(name: "synthetic \(index)", inputs: tensors)
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1) with 24 random bits (a fixed formula, unlike Float.random's).
    mutating func unitInterval() -> Float {
        Float(next() >> 40) * 0x1p-24
    }
}
