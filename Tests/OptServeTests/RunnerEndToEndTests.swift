import Foundation
import OptKit
import Testing

@testable import OptServe

/// Sessions started over REST and run by the real pipeline (OptKit's Runner through
/// `OptKitSessionRunner`) on the MLP example model, with few timed runs to stay quick. The
/// technique is simplify: this build's engine has no float16 or int8 kernels yet, so fp16 and
/// quantized sessions on the MLP end failed (unsupported op) rather than completed.
@Suite struct RunnerEndToEndTests {
    static let exampleModel = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("../../Examples/mlp_policy.onnx").standardized
    static let quickSettings = RunSettings(threads: 1, runs: 5, warmupRuns: 1, maxValidationSamples: 4)

    func registerExample(_ platform: Platform) async throws -> ModelRecord {
        let copy = platform.configuration.home.appendingPathComponent("mlp_policy.onnx")
        try FileManager.default.createDirectory(at: platform.configuration.home, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.exampleModel, to: copy)
        return try await ModelRegistrar(store: platform.models).register(path: copy.path, name: "mlp").record
    }

    @Test func aPostedSessionRunsToCompletionWithMeasuredFigures() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerExample(platform)
        let runner = OptKitSessionRunner(platform: platform, settings: Self.quickSettings, logger: Fixture.quietLogger("run"))
        try await Fixture(platform: platform, runner: runner).test { client in
            let reply = try await client.request(
                .post, "/optimization/sessions", as: "eve", json: #"{"model_id": "\#(model.id)", "techniques": ["simplify"]}"#)
            #expect(reply.status == .accepted)
            #expect(try reply.json()["status"] == .string("pending"))
            let id = try #require(try reply.json()["session_id"]?.stringValue)

            let finished = try await waitFor(platform, id) { $0.status.isTerminal }
            #expect(finished.status == .completed, "\(finished.errorMessage ?? "")")
            // Measured, not made up: the figures are there, and simplify is lossless.
            let size = try #require(finished.sizeReductionPercent)
            #expect(finished.speedImprovementPercent != nil)
            #expect(finished.accuracyRetentionPercent == 100)
            #expect(finished.results?["attempts"] != nil)
            #expect(finished.owner == "eve")
            // The optimized model is this session's own file under HOME/outputs.
            let output = platform.configuration.home.appendingPathComponent("outputs/\(id).onnx")
            #expect(FileManager.default.fileExists(atPath: output.path))

            let shown = try await client.request(.get, "/optimization/sessions/\(id)", as: "eve")
            #expect(try shown.json()["status"] == .string("completed"))
            #expect(try shown.json()["size_reduction_percent"]?.doubleValue == size)
        }
    }

    @Test func aSessionCancelledWhileWaitingIsNeverRun() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerExample(platform)
        let runner = OptKitSessionRunner(platform: platform, settings: Self.quickSettings, logger: Fixture.quietLogger("run"))
        try await Fixture(platform: platform, runner: runner, adjust: { $0.workers = 1 }).test { client in
            let body = #"{"model_id": "\#(model.id)", "techniques": ["simplify"]}"#
            let first = try #require(try await client.request(.post, "/optimization/sessions", as: "eve", json: body).json()["session_id"]?.stringValue)
            let second = try #require(try await client.request(.post, "/optimization/sessions", as: "eve", json: body).json()["session_id"]?.stringValue)
            // One worker: the second waits while the first runs, and cancelling it ends it at once.
            let cancel = try await client.request(.post, "/optimization/sessions/\(second)/cancel", as: "eve")
            #expect(cancel.status == .ok)
            #expect(try cancel.json()["status"] == .string("cancelled"))

            #expect(try await waitFor(platform, first) { $0.status.isTerminal }.status == .completed)
            let cancelled = try await platform.sessions.session(id: second)
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.sizeReductionPercent == nil)
            let output = platform.configuration.home.appendingPathComponent("outputs/\(second).onnx")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    /// Stopping the server cancels the task of a running session: the runner ends it cancelled.
    @Test func stoppingTheRunCancelsTheSession() async throws {
        let platform = try Fixture.makePlatform()
        let model = try await registerExample(platform)
        let session = try await platform.sessions.create(NewSession(
            modelID: model.id, modelName: model.name, techniques: ["simplify"], owner: "eve", holder: .current))
        let runner = OptKitSessionRunner(platform: platform, settings: Self.quickSettings, logger: Fixture.quietLogger("run"))
        let criteria = try await platform.criteria.current().criteria
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await runner.run(SessionJob(sessionID: session.id, criteria: criteria))
        }
        await task.value
        let ended = try await platform.sessions.session(id: session.id)
        #expect(ended.status == .cancelled)
        try? FileManager.default.removeItem(at: platform.configuration.home)
    }

    func waitFor(_ platform: Platform, _ id: String, until condition: (Session) -> Bool) async throws -> Session {
        for _ in 0..<12_000 {
            let session = try await platform.sessions.session(id: id)
            if condition(session) { return session }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("session \(id) never reached the expected state")
        return try await platform.sessions.session(id: id)
    }
}
