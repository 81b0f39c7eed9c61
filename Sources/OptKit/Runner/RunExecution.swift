import Crypto
import Foundation
import Logging

/// One session's pipeline: load → analyze → baseline (fidelity reference and latency) →
/// attempt (passes, save, benchmark, evaluate, criteria) → fallback attempts when accuracy
/// misses → the kept model renamed into place. Every step reports progress, which is also
/// where cancellation takes effect. `Runner` turns the result or the error into the session's
/// final state.
final class RunExecution {
    let platform: Platform
    let settings: RunSettings
    let criteria: OptimizationCriteria
    let session: Session
    let progress: RunProgress
    let cancellation: RunCancellation
    let logger: Logger
    /// Attempt files not yet renamed into place; removed when the run ends in any way.
    private(set) var temporaryFiles: [URL] = []

    private var model: Model!
    private var passes: [any OptimizationPass] = []
    private var calibration: (any SampleSource)?
    private var validation: ValidationSet!
    private var baselineBytes: Int64 = 0
    private var baseline: Executor!
    private var output: URL!
    private var hardwareTarget: HardwareTarget!
    private var warnings: [String] = []
    /// The fallback's sensitivity ranking, for the results.
    private var sensitivity: SensitivityAnalysis.Ranking?

    init(
        platform: Platform, settings: RunSettings, criteria: OptimizationCriteria, session: Session, progress: RunProgress,
        cancellation: RunCancellation, logger: Logger
    ) {
        self.cancellation = cancellation
        self.platform = platform
        self.settings = settings
        self.criteria = criteria
        self.session = session
        self.progress = progress
        self.logger = logger
    }

    /// What the run ends with: the outcome to record and whether the criteria were met
    /// (with the failed bounds when not).
    struct Result {
        var outcome: SessionOutcome
        var unmet: [CriterionResult]
    }

    func run() async throws -> Result {
        let record = try await platform.models.model(id: session.modelID)
        let input = URL(fileURLWithPath: record.path)
        try await progress.update("load", span: 0...3, fraction: 0)
        let (inputSHA256, inputBytes) = try ModelRegistrar.hashFile(at: input.path)
        if inputSHA256 != record.sha256 {
            warnings.append("\(input.path) changed since it was registered; the figures are for its current contents (sha256 \(inputSHA256))")
        }
        model = try Model.load(contentsOf: input)
        baselineBytes = inputBytes + Int64(model.externalDataFiles.values.reduce(0, +))

        try await progress.update("analyze", span: 3...5, fraction: 0)
        try analyze(input: input)
        baseline = try Executor(graph: model.graph, opsets: model.opsetImports, threads: settings.resolvedThreads)
        calibration = try settings.calibration.map { url throws(InputError) in try SampleSources.open(url, for: model.graph) }
        if let calibration {
            // Data that does not fit the model is refused before any work, naming sample and input.
            _ = try await CalibrationData.validate(
                calibration, model: model, progress: progress.reporter("check calibration data", span: 3...5), share: 0...1)
        }
        let validationSource: any SampleSource = try settings.validation.map { url throws(InputError) in try SampleSources.open(url, for: model.graph) }
            ?? calibration ?? SyntheticSampleSource(inputs: model.graph.feedInputs, count: 8)
        validation = try await ValidationSet.load(
            from: validationSource, limit: settings.maxValidationSamples, baseline: baseline, progress: progress, span: 5...15)

        var attempts = [try await attempt(number: 1, excluding: [], span: 15...85)]
        if let first = attempts.first, needsFallback(first) {
            attempts += try await fallback(after: first)
        }
        let kept = attempts.first(where: \.meetsCriteria)
            ?? attempts.max { $0.fidelity.accuracyRetentionPercent < $1.fidelity.accuracyRetentionPercent }!
        try await progress.update("save", span: 98...99, fraction: 0)
        try keep(kept)
        let outputRecord = try await ModelRegistrar(store: platform.models).register(
            path: output.path, name: output.deletingPathExtension().lastPathComponent).record

        var calibrationProvenance: RunProvenance.DataProvenance?
        if let calibration {
            calibrationProvenance = RunProvenance.DataProvenance(
                description: calibration.description, sha256: try await calibration.fingerprint(), synthetic: calibration.isSynthetic)
        }
        let provenance = RunProvenance(
            threads: settings.resolvedThreads, inputSHA256: inputSHA256, outputSHA256: kept.sha256,
            calibration: calibrationProvenance,
            validation: RunProvenance.DataProvenance(
                description: validation.description, sha256: validation.fingerprint, synthetic: validation.isSynthetic),
            techniques: kept.reports.map { RunProvenance.TechniqueProvenance(technique: $0.technique, parameters: $0.parameters) },
            hardwareTarget: hardwareTarget.id, criteria: criteria)
        let results = RunResults(
            input: input, inputBytes: baselineBytes, output: output, outputModelID: outputRecord.id,
            baselineLatency: kept.baselineLatency, baselineFidelity: try validation.baselineFidelity(top1Outputs: settings.top1Outputs),
            kept: kept, attempts: attempts, sensitivity: sensitivity, validation: validation, settings: settings, criteria: criteria,
            provenance: provenance, warnings: warnings + kept.reports.flatMap(\.warnings))
        return Result(
            outcome: SessionOutcome(
                sizeReductionPercent: kept.sizeReductionPercent, speedImprovementPercent: kept.speedImprovementPercent,
                accuracyRetentionPercent: kept.fidelity.accuracyRetentionPercent, results: results.json),
            unmet: CriteriaCheck.failures(kept.checks))
    }

    /// Removes the attempt files that were not kept (after a failure or cancellation, all).
    func removeTemporaryFiles() {
        for file in temporaryFiles { try? FileManager.default.removeItem(at: file) }
        temporaryFiles = []
    }

    // MARK: - Steps

    /// Everything about the request that can be wrong, found before any work: techniques the
    /// criteria do not enable or the hardware target cannot run, bad parameters, an output
    /// path that would overwrite the input.
    private func analyze(input: URL) throws {
        var problems: [FieldProblem] = []
        guard let target = HardwareTarget.named(criteria.hardwareTarget) else {
            throw InvalidRequest([FieldProblem(
                field: "hardware_target", value: .string(criteria.hardwareTarget), message: "is not a known hardware target")])
        }
        hardwareTarget = target
        for id in session.techniques {
            if !criteria.enabledTechniques.contains(id) {
                problems.append(FieldProblem(
                    field: "techniques", value: .string(id),
                    message: "is not enabled by the criteria '\(criteria.name)' (enabled: \(criteria.enabledTechniques.joined(separator: ", ")))"))
            } else if let technique = Technique.named(id), !target.capabilities.contains(technique.requires) {
                problems.append(FieldProblem(
                    field: "techniques", value: .string(id),
                    message: "cannot run on hardware_target \(target.id), which has no \(technique.requires.rawValue) support"))
            }
        }
        if !problems.isEmpty { throw InvalidRequest(problems) }
        passes = try PassRegistry.plan(techniques: session.techniques, parameters: settings.techniqueParameters)

        let chosen = settings.output ?? input.deletingPathExtension().appendingPathExtension("opt.onnx")
        guard chosen.resolvingSymlinksInPath().standardizedFileURL != input.resolvingSymlinksInPath().standardizedFileURL else {
            throw InvalidRequest([FieldProblem(field: "out", value: .string(chosen.path), message: "is the input model; optctl never overwrites its input")])
        }
        output = chosen
        let folder = chosen.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(kind: .notFound, message: "\(folder.path): no such folder for the optimized model")
        }
    }

    /// Baseline and candidate timed in alternation on the first validation sample, so the
    /// speed figure compares like with like even on a busy machine.
    private func benchmark(_ candidate: Executor) async throws -> (baseline: LatencyReport, optimized: LatencyReport) {
        let inputs = validation.items[0].sample.inputs
        let benchmark = LatencyBenchmark(runs: settings.runs, warmupRuns: settings.warmupRuns)
        let measured = try await onDedicatedThread { [baseline, cancellation] in
            try benchmark.compare(baseline!, inputs: inputs, with: candidate, inputs: inputs) { cancellation.reason != nil }
        }
        try cancellation.check()
        guard let measured else { throw RunCancelled(reason: "the run was stopped") }
        return measured
    }

    /// Applies the passes (keeping `excluding` in float32), writes the result to a temporary
    /// file beside the output, then measures and checks it.
    private func attempt(number: Int, excluding: [String], span: ClosedRange<Double>) async throws -> RunAttempt {
        func part(_ from: Double, _ to: Double) -> ClosedRange<Double> {
            let width = span.upperBound - span.lowerBound
            return (span.lowerBound + width * from)...(span.lowerBound + width * to)
        }
        let label = number == 1 ? "" : " (attempt \(number))"
        let (candidate, reports) = try await applyPasses(excluding: excluding, label: label, span: part(0, 0.37))

        try await progress.update("save\(label)", span: part(0.37, 0.41), fraction: 0)
        let file = output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).\(session.id).attempt-\(number).tmp")
        temporaryFiles.append(file)
        try candidate.write(to: file)
        let (sha256, bytes) = try ModelRegistrar.hashFile(at: file.path)

        let executor = try executor(for: candidate)
        try await progress.update("benchmark baseline and optimized\(label)", span: part(0.41, 0.68), fraction: 0)
        let baselineLatency: LatencyReport, latency: LatencyReport, fidelity: FidelityReport, parity: Double
        do {
            (baselineLatency, latency) = try await benchmark(executor)
            (fidelity, parity) = try await validation.evaluate(
                executor, top1Outputs: settings.top1Outputs, progress: progress, step: "evaluate\(label)", span: part(0.68, 1))
        } catch let error as EngineError {
            // The baseline already ran on these inputs, so the optimized model is the one failing.
            throw OptimizedModelUnrunnable(cause: error)
        }

        let sizeReduction = Double(baselineBytes - bytes) / Double(max(1, baselineBytes)) * 100
        let speedImprovement = (baselineLatency.p50Milliseconds - latency.p50Milliseconds) / baselineLatency.p50Milliseconds * 100
        let checks = CriteriaCheck.evaluate(
            AttemptFigures(
                accuracyRetentionPercent: fidelity.accuracyRetentionPercent, p99Milliseconds: latency.p99Milliseconds,
                sizeReductionPercent: sizeReduction, optimizedBytes: bytes, peakWorkingBytes: latency.peakWorkingBytes),
            criteria: criteria, controlHz: settings.controlHz)
        return RunAttempt(
            number: number, fallbackExclusions: excluding, reports: reports, file: file, bytes: bytes, sha256: sha256,
            baselineLatency: baselineLatency, latency: latency, fidelity: fidelity, actionParity: parity, sizeReductionPercent: sizeReduction,
            speedImprovementPercent: speedImprovement, checks: checks)
    }

    private func executor(for candidate: Model) throws(OptimizedModelUnrunnable) -> Executor {
        do {
            return try Executor(graph: candidate.graph, opsets: candidate.opsetImports, threads: settings.resolvedThreads)
        } catch {
            throw OptimizedModelUnrunnable(cause: error)
        }
    }

    private func applyPasses(excluding: [String], label: String, span: ClosedRange<Double>) async throws -> (Model, [PassReport]) {
        var candidate = model!
        var reports: [PassReport] = []
        let width = (span.upperBound - span.lowerBound) / Double(max(1, passes.count))
        for (index, pass) in passes.enumerated() {
            let from = span.lowerBound + width * Double(index)
            let context = PassContext(
                threads: settings.resolvedThreads,
                excludedNodes: Set(criteria.constraints.excludedNodes).union(excluding),
                excludedOpTypes: Set(criteria.constraints.excludedOpTypes),
                hardwareTarget: hardwareTarget, calibration: calibration,
                progress: progress.reporter(pass.technique.id + label, span: from...(from + width)), logger: logger)
            try await progress.update(pass.technique.id + label, span: from...(from + width), fraction: 0)
            reports.append(try await pass.apply(to: &candidate, context: context))
        }
        return (candidate, reports)
    }

    // MARK: - Fallback

    /// Only a missed accuracy bound is helped by keeping layers in float32, and only when the
    /// passes quantized some layers and the criteria allow retries.
    private func needsFallback(_ attempt: RunAttempt) -> Bool {
        let failed = CriteriaCheck.failures(attempt.checks).map { $0.criterion }
        return failed.contains("min_accuracy_retention_percent")
            && attempt.quantizedNodes.count > 1 && criteria.constraints.maxFallbackAttempts > 0
    }

    /// Sensitivity analysis, then retries that keep the most damaging layers in float32: the
    /// worst 1, 2, 4 … layers, up to `max_fallback_attempts` retries, stopping at the first
    /// attempt that meets the criteria.
    private func fallback(after first: RunAttempt) async throws -> [RunAttempt] {
        let ranking = try await SensitivityAnalysis.rank(
            first.quantizedNodes, validation: validation, progress: progress, span: 85...91
        ) { [self] node, others in
            let (candidate, _) = try await applyPasses(excluding: others, label: " (sensitivity of \(node))", span: 85...85)
            return try executor(for: candidate)
        }
        warnings.append(contentsOf: ranking.notes)
        var attempts: [RunAttempt] = []
        // At least one layer stays quantized: excluding them all would undo the technique, not
        // fall back within it.
        let excludable = ranking.layers.count - 1
        let retries = min(criteria.constraints.maxFallbackAttempts, excludable)
        let width = 7.0 / Double(max(1, retries))
        var excludedCount = 0
        for retry in 0..<retries {
            excludedCount = min(excludable, max(excludedCount + 1, 1 << retry))
            let excluded = ranking.layers.prefix(excludedCount).map(\.node)
            let from = 91 + width * Double(retry)
            let next = try await attempt(number: retry + 2, excluding: excluded, span: from...(from + width))
            attempts.append(next)
            if next.meetsCriteria || excludedCount == excludable { break }
        }
        sensitivity = ranking
        return attempts
    }

    /// Renames the kept attempt into place and removes the others.
    private func keep(_ attempt: RunAttempt) throws {
        // rename(2) replaces an older output atomically: a reader sees the old file or the new one.
        guard rename(attempt.file.path, output.path) == 0 else {
            throw InputError(kind: .io, message: "\(output.path): cannot be written (\(String(cString: strerror(errno))))")
        }
        temporaryFiles.removeAll { $0 == attempt.file }
        removeTemporaryFiles()
    }
}
