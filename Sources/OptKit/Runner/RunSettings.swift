import Foundation

/// How one run measures and where it writes, beyond the criteria: what `optctl run` takes as
/// options and a server takes from its configuration.
public struct RunSettings: Sendable {
    /// Threads for every model execution (benchmark, calibration, evaluation); nil: all cores.
    public var threads: Int?
    /// Timed runs per latency measurement, after `warmupRuns` untimed ones.
    public var runs: Int
    public var warmupRuns: Int
    /// Calibration data (a test_data_set folder, .npy or .npz); nil: passes draw synthetic samples.
    public var calibration: URL?
    /// Validation data; nil: the calibration data, else synthetic inputs compared against the
    /// baseline model.
    public var validation: URL?
    /// How many validation samples fidelity is computed on (the first ones, in order).
    public var maxValidationSamples: Int
    /// Where the optimized model goes; nil: NAME.opt.onnx beside the input.
    public var output: URL?
    /// Control-loop rate for the robot figures; overrides the criteria's `control_hz`.
    public var controlHz: Double?
    /// Parameters per technique id (`{"quantize-int8": {"method": "entropy"}}`).
    public var techniqueParameters: [String: [String: JSONValue]]
    /// Outputs the user declared as class scores, scored by top-1 agreement.
    public var top1Outputs: Set<String>

    public init(
        threads: Int? = nil, runs: Int = 200, warmupRuns: Int = 20, calibration: URL? = nil, validation: URL? = nil,
        maxValidationSamples: Int = 32, output: URL? = nil, controlHz: Double? = nil,
        techniqueParameters: [String: [String: JSONValue]] = [:], top1Outputs: Set<String> = []
    ) {
        self.threads = threads
        self.runs = runs
        self.warmupRuns = warmupRuns
        self.calibration = calibration
        self.validation = validation
        self.maxValidationSamples = maxValidationSamples
        self.output = output
        self.controlHz = controlHz
        self.techniqueParameters = techniqueParameters
        self.top1Outputs = top1Outputs
    }

    /// The thread count actually used.
    var resolvedThreads: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }
}
