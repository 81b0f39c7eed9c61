import Foundation
import Testing
@testable import OptKit

@Suite struct RunnerTests {
    @Test func completedRunMeasuresBothModelsAndRecordsHowWithProvenance() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("cnn_encoder", to: directory)
        let inputBytes = try Data(contentsOf: input)
        var settings = quickSettings
        settings.validation = exampleData("cnn_encoder")
        settings.controlHz = 1
        let runner = Runner(platform: platform, settings: settings)
        let events = EventRecorder()

        let pending = try await runner.createSession(model: input.path, techniques: ["simplify"], owner: "ada")
        #expect(pending.status == .pending && pending.owner == "ada")
        let session = try await runner.execute(sessionID: pending.id, criteria: lenientCriteria(), observer: events.record)

        #expect(session.status == .completed)
        #expect(try Data(contentsOf: input) == inputBytes)  // the input is never touched
        let output = directory.url.appendingPathComponent("cnn_encoder.opt.onnx")
        #expect(FileManager.default.fileExists(atPath: output.path))
        #expect(try files(in: directory).filter { $0.hasSuffix(".tmp") }.isEmpty)

        let results = try #require(session.results)
        #expect(results["output_model_path"]?.stringValue == output.path)
        let optimizedBytes = try #require(results["optimized"]?["bytes"]?.doubleValue)
        #expect(optimizedBytes == Double(try Data(contentsOf: output).count))
        // BatchNorm folding shrinks the file a little: the figure is the measured byte counts.
        let baselineBytes = try #require(results["baseline"]?["bytes"]?.doubleValue)
        #expect(session.sizeReductionPercent == (baselineBytes - optimizedBytes) / baselineBytes * 100)
        let p50 = try #require(results["optimized"]?["latency"]?["p50_ms"]?.doubleValue)
        #expect(p50 > 0)
        #expect(results["fidelity"]?["reference"]?.stringValue == "expected outputs")
        #expect(try #require(session.accuracyRetentionPercent) > 99)  // a lossless rewrite
        #expect(results["robot"]?["control_hz"]?.doubleValue == 1)
        #expect(results["robot"]?["action_parity_max_abs"]?.doubleValue.map { $0 < 1e-3 } == true)
        let provenance = try #require(results["provenance"])
        #expect(provenance["input_sha256"]?.stringValue == (try ModelRegistrar.hashFile(at: input.path).sha256))
        #expect(provenance["output_sha256"]?.stringValue == (try ModelRegistrar.hashFile(at: output.path).sha256))
        #expect(provenance["validation"]?["synthetic"] == .bool(false))
        #expect(provenance["techniques"]?.arrayValue?.first?["technique"]?.stringValue == "simplify")
        #expect(provenance["cpu"]?["model"]?.stringValue?.isEmpty == false)

        #expect(events.names.first == "session_started")
        #expect(events.names.last == "session_completed")
        let percentages = events.all.compactMap { event -> Double? in
            if case .progress(let progress) = event { return progress.progressPercentage }
            return nil
        }
        #expect(percentages.count >= 5)
        #expect(percentages == percentages.sorted())  // never goes backwards
        // What the observer saw is what another process reads from the event log.
        let logged = try await SQLiteEventLog(database: platform.database).events(session: session.id)
        #expect(logged.map { $0.event.payloadJSON() } == events.all.map { $0.payloadJSON() })
    }

    @Test func missedCriteriaFailTheSessionButKeepTheBestAttemptsModelAndFigures() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let runner = Runner(platform: platform, settings: quickSettings)
        let pending = try await runner.createSession(model: input.path, techniques: ["simplify"], owner: "ada")
        let strict = lenientCriteria { $0.constraints.maxModelSizeMB = 0.001 }

        let ending = try await runner.run(sessionID: pending.id, criteria: strict)

        #expect(ending.failureKind == .criteriaNotMet)
        #expect(ending.session.status == .failed && ending.session.errorType == .criteriaNotMet)
        #expect(ending.session.errorMessage?.contains("constraints.max_model_size_mb") == true)
        #expect(ending.session.sizeReductionPercent != nil && ending.session.accuracyRetentionPercent != nil)
        #expect(FileManager.default.fileExists(atPath: directory.path("mlp_policy.opt.onnx")))
        let checks = try #require(ending.session.results?["criteria_checks"]?.arrayValue)
        #expect(checks.contains { $0["criterion"]?.stringValue == "constraints.max_model_size_mb" && $0["passed"] == .bool(false) })
    }

    @Test func cancellingDuringCalibrationEndsCancelledAndLeavesNoFiles() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        var settings = quickSettings
        settings.calibration = exampleData("mlp_policy/calibration")
        let runner = Runner(platform: platform, settings: settings)
        let cancellation = RunCancellation()
        let pending = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")
        let steps = EventRecorder()

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria(), cancellation: cancellation) { event in
            steps.record(event)
            if case .progress(let progress) = event, progress.currentStep.contains("calibrat") {
                cancellation.cancel(reason: "test cancels during calibration")
            }
        }

        #expect(ending.failureKind == .cancelled)
        #expect(ending.session.status == .cancelled && ending.session.errorMessage == "test cancels during calibration")
        #expect(steps.names.last == "session_cancelled")
        #expect(try files(in: directory) == ["mlp_policy.onnx", "home"])
    }

    @Test func aCancelMarkFromAnotherProcessStopsALongBenchmark() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        // Far more runs than the test waits for: only the cancel mark can end it early.
        let runner = Runner(platform: platform, settings: RunSettings(threads: 1, runs: 10_000_000, warmupRuns: 0))
        let pending = try await runner.createSession(model: input.path, techniques: ["simplify"], owner: "ada")
        let requested = EventRecorder()

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria()) { event in
            if case .progress(let progress) = event, progress.currentStep.hasPrefix("benchmark"), requested.all.isEmpty {
                requested.record(event)
                // What a server's cancel endpoint does: mark the session; the lease heartbeat relays it.
                Task { try await platform.sessions.apply(.requestCancel(reason: "from the dashboard"), to: pending.id) }
            }
        }

        #expect(ending.session.status == .cancelled)
        #expect(try files(in: directory) == ["mlp_policy.onnx", "home"])
    }

    @Test func aSessionCancelledWhileQueuedIsNotRun() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let runner = Runner(platform: platform, settings: quickSettings)
        let pending = try await runner.createSession(model: input.path, techniques: ["simplify"], owner: "ada")
        try await platform.sessions.apply(.requestCancel(reason: "changed my mind"), to: pending.id)

        let session = try await runner.execute(sessionID: pending.id, criteria: lenientCriteria())

        #expect(session.status == .cancelled)
        #expect(!FileManager.default.fileExists(atPath: directory.path("mlp_policy.opt.onnx")))
    }
}
