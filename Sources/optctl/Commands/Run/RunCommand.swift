import ArgumentParser
import Foundation
import OptKit

struct RunCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Optimize a model and measure size, speed and accuracy before and after.",
        discussion: """
            Creates a session, applies the techniques, writes the optimized model atomically \
            (default NAME.opt.onnx beside the input, never the input itself), then measures both \
            models on the engine with the same threads: file size, latency p50/p90/p99 and output \
            fidelity. The criteria (`optctl config get`, or --criteria) are checked; when accuracy \
            misses, a sensitivity analysis finds the quantized layers that cost most and retries \
            with them kept in float32, up to constraints.max_fallback_attempts times.

            Without --techniques: simplify plus quantize-int8 when --calibration is given, else \
            quantize-int8-dynamic (each only if the criteria enable it and the hardware target \
            can run it). Exit codes: 0 criteria met, 5 criteria not met (the best attempt's model \
            is kept), 130 cancelled (Ctrl-C or SIGTERM; partial output removed), 64/65 bad \
            request or data, 4 a file not found, 1 other failures. With --json, one NDJSON line \
            per event and a last line {"event": "session", "data": SESSION}.
            """)

    @Argument(help: ArgumentHelp("A model file (.onnx) or a registered model id.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Comma-separated technique ids (`optctl techniques` lists them).", valueName: "list"))
    var techniques: String?

    @Option(name: .customLong("param"), help: ArgumentHelp(
        "A technique parameter, TECHNIQUE.NAME=VALUE (repeatable; VALUE as JSON or a plain string), e.g. quantize-int8.method=entropy.",
        valueName: "setting"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("Criteria JSON for this run only, instead of the stored criteria.", valueName: "file"))
    var criteria: String?

    @Option(help: ArgumentHelp("Calibration data: a folder of test_data_set_K folders, a .npy or a .npz file.", valueName: "path"))
    var calibration: String?

    @Option(help: ArgumentHelp("Validation data in the same formats (default: the calibration data, else synthetic inputs).", valueName: "path"))
    var validation: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("Where to write the optimized model (default: NAME.opt.onnx beside the input).", valueName: "path"))
    var outputPath: String?

    @Option(help: ArgumentHelp("Threads for every measurement (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Timed runs per latency measurement, after the warm-up.", valueName: "n"))
    var runs = 200

    @Option(help: ArgumentHelp("Untimed warm-up runs before each latency measurement.", valueName: "n"))
    var warmup = 20

    @Option(name: .customLong("control-hz"), help: ArgumentHelp("Control-loop rate: check that the optimized p99 fits one period.", valueName: "hz"))
    var controlHz: Double?

    @Option(name: .customLong("top1"), help: ArgumentHelp("An output holding class scores, scored by top-1 agreement (repeatable).", valueName: "output"))
    var top1: [String] = []

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 || runs > 100_000 { throw ValidationError("--runs must be between 1 and 100000") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
        if let controlHz, !(controlHz > 0 && controlHz.isFinite) { throw ValidationError("--control-hz must be a positive number") }
        if let techniques, techniques.split(separator: ",").isEmpty { throw ValidationError("--techniques names no technique") }
    }

    func execute(platform: Platform, output: Output) async throws {
        let criteria = try await criteriaInForce(platform)
        let techniqueIDs = techniques.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? RunDefaults.techniques(criteria: criteria, calibrated: calibration != nil)
        for id in techniqueIDs where PassRegistry.descriptor(for: id) == nil {
            let known = PassRegistry.descriptors.map(\.technique.id).joined(separator: ", ")
            throw ValidationError("--techniques: '\(id)' is not a technique of this build (\(known); see `optctl techniques`)")
        }
        let parameters = try RunDefaults.parameters(parameters)
        // Unknown techniques and bad parameters are usage errors: refused before any session exists.
        _ = try PassRegistry.plan(techniques: techniqueIDs, parameters: parameters)

        let settings = RunSettings(
            threads: threads, runs: runs, warmupRuns: warmup, calibration: calibration.map(URL.init(fileURLWithPath:)),
            validation: validation.map(URL.init(fileURLWithPath:)), output: outputPath.map(URL.init(fileURLWithPath:)),
            controlHz: controlHz, techniqueParameters: parameters, top1Outputs: Set(top1))
        let runner = Runner(platform: platform, settings: settings)
        let session = try await runner.createSession(model: model, techniques: techniqueIDs, owner: platform.configuration.user)
        let events = EventPrinter(output: output)
        guard session.status == .pending else {
            // The model could not even be read: the session was recorded failed.
            events.finish(session)
            throw ExitCode(ErrorKind.malformedInput.exitCode)
        }
        output.note("Session \(session.id): \(techniqueIDs.joined(separator: ", ")) on \(session.modelName)")

        let cancellation = RunCancellation()
        let trap = SignalTrap { name in cancellation.cancel(reason: "interrupted by \(name)") }
        let ending = try await runner.run(
            sessionID: session.id, criteria: criteria, cancellation: cancellation, observer: events.show)
        withExtendedLifetime(trap) {}
        events.finish(ending.session)
        if let kind = ending.failureKind { throw ExitCode(kind.exitCode) }
    }

    private func criteriaInForce(_ platform: Platform) async throws -> OptimizationCriteria {
        guard let criteria else { return try await platform.criteria.current().criteria }
        let document = try CriteriaSource(path: criteria).read()
        try CriteriaValidator.validate(document.criteria)
        return document.criteria
    }
}
