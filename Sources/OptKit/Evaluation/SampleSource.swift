/// One set of model inputs, with the outputs it should produce when the data says so.
public struct Sample: Sendable {
    /// Where it came from ("test_data_set_3", "batch 2 of calibration.npz", "synthetic 5").
    public var name: String
    public var inputs: [String: Tensor]
    /// Expected outputs by name (ONNX test_data_set output_K.pb), nil when the data has none.
    public var expectedOutputs: [String: Tensor]?

    public init(name: String, inputs: [String: Tensor], expectedOutputs: [String: Tensor]? = nil) {
        self.name = name
        self.inputs = inputs
        self.expectedOutputs = expectedOutputs
    }
}

/// Calibration or validation data, read one sample at a time so that memory stays bounded by
/// one sample however large the data set is.
public protocol SampleSource: Sendable {
    /// How the samples were obtained, recorded with every figure computed from them
    /// ("16 test_data_set folders in data/calib", "synthetic: 8 samples uniform in [-1, 1] from
    /// the declared input shapes").
    var description: String { get }
    /// True when the data was invented from the model's declared shapes, not given by the user.
    var isSynthetic: Bool { get }
    /// How many samples there are, when known before reading them (for progress and ETA).
    var count: Int? { get }
    /// A SHA-256 over the data's bytes, for provenance.
    func fingerprint() async throws -> String
    /// The samples, in a stable order.
    func samples() -> AsyncThrowingStream<Sample, any Error>
}
