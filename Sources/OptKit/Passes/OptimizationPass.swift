import Foundation
import Logging

/// One optimization technique: a graph-to-graph rewrite with typed parameters.
///
/// Adding a technique means a new file in this folder (the pass and its parameters) and one
/// entry in `PassRegistry`; the runner, the CLI and the server discover it from there.
public protocol OptimizationPass: Sendable {
    /// The technique this pass implements (its id is what users write).
    var technique: Technique { get }
    /// The parameters in effect, as recorded in the session's provenance.
    var parameters: JSONValue { get }
    /// Rewrites `model`. On error the caller discards the model, so a pass may leave it
    /// half-rewritten when it throws; it must never write files.
    func apply(to model: inout Model, context: PassContext) async throws -> PassReport
}

/// What a pass did, kept in the session's results.
public struct PassReport: Equatable, Sendable, Encodable {
    public var technique: String
    public var parameters: JSONValue
    /// One line for people: "quantized 14 of 16 Conv/Gemm nodes to int8 (per-channel weights)".
    public var summary: String
    /// Technique-specific facts: excluded nodes and why, calibration method and sample count,
    /// activation ranges, nodes kept in float32 …
    public var details: JSONValue
    public var warnings: [String]

    public init(technique: String, parameters: JSONValue, summary: String, details: JSONValue = .object([:]), warnings: [String] = []) {
        self.technique = technique
        self.parameters = parameters
        self.summary = summary
        self.details = details
        self.warnings = warnings
    }
}

/// What a running pass may use besides the model.
public struct PassContext: Sendable {
    /// Threads for any model execution the pass does (calibration).
    public var threads: Int
    /// Node names and op types the user wants left untouched (criteria constraints, fallback).
    public var excludedNodes: Set<String>
    public var excludedOpTypes: Set<String>
    /// Where the optimized model will run; a pass may pick its form from it.
    public var hardwareTarget: HardwareTarget
    /// Calibration samples for passes that need activation statistics; nil when the user gave
    /// none (a pass may then draw synthetic samples, and must say so in its report).
    public var calibration: (any SampleSource)?
    public var progress: ProgressReporter
    public var logger: Logger

    public init(
        threads: Int, excludedNodes: Set<String> = [], excludedOpTypes: Set<String> = [],
        hardwareTarget: HardwareTarget, calibration: (any SampleSource)? = nil,
        progress: ProgressReporter = .silent, logger: Logger = Logger(label: "optctl.passes")
    ) {
        self.threads = threads
        self.excludedNodes = excludedNodes
        self.excludedOpTypes = excludedOpTypes
        self.hardwareTarget = hardwareTarget
        self.calibration = calibration
        self.progress = progress
        self.logger = logger
    }
}

/// Receives a long step's progress and is the point where cancellation takes effect: `report`
/// throws `CancellationError` once the run has been cancelled, so a pass that reports between
/// calibration batches stops there.
public struct ProgressReporter: Sendable {
    private let sink: @Sendable (_ fraction: Double, _ detail: String) async throws -> Void

    public init(_ sink: @escaping @Sendable (_ fraction: Double, _ detail: String) async throws -> Void) {
        self.sink = sink
    }

    /// `fraction` of this step done (0...1), with what is being done.
    public func report(_ fraction: Double, _ detail: String) async throws {
        try await sink(min(1, max(0, fraction)), detail)
    }

    public static let silent = ProgressReporter { _, _ in try Task.checkCancellation() }
}
