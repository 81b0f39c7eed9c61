import Foundation
import Testing
@testable import OptKit

/// The criteria-driven fallback on real int8 models: sensitivity analysis, then retries with the
/// most damaging layers kept in float32.
@Suite struct RunnerFallbackTests {
    func settings(_ name: String) -> RunSettings {
        var settings = quickSettings
        settings.calibration = exampleData("\(name)/calibration")
        settings.validation = exampleData(name)
        return settings
    }

    @Test func fallbackKeepsTheWorstLayersInFloat32UntilAccuracyIsMet() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("cnn_encoder", to: directory)
        let runner = Runner(platform: platform, settings: settings("cnn_encoder"))
        // What plain int8 retains on this model decides the bound: halfway to lossless.
        let probe = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")
        let plain = try #require(try await runner.execute(sessionID: probe.id, criteria: lenientCriteria()).accuracyRetentionPercent)
        #expect(plain < 99.9)
        let bound = (plain + 100) / 2

        let pending = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")
        let session = try await runner.execute(
            sessionID: pending.id, criteria: lenientCriteria { $0.minAccuracyRetentionPercent = bound })

        #expect(session.status == .completed)
        #expect(try #require(session.accuracyRetentionPercent) >= bound)
        let results = try #require(session.results)
        let attempts = try #require(results["attempts"]?.arrayValue)
        #expect(attempts.count >= 2)
        #expect(attempts.first?["meets_criteria"] == .bool(false))
        #expect(attempts.last?["meets_criteria"] == .bool(true))
        #expect(results["kept_attempt"]?.doubleValue == Double(attempts.count))
        // The kept-in-float32 layers are the worst of the ranking, in its order.
        let ranking = try #require(results["sensitivity"]?["layers"]?.arrayValue).compactMap { $0["node"]?.stringValue }
        let excluded = try #require(attempts.last?["fallback_excluded_nodes"]?.arrayValue).compactMap(\.stringValue)
        #expect(!excluded.isEmpty && Array(ranking.prefix(excluded.count)) == excluded)
        let losses = try #require(results["sensitivity"]?["layers"]?.arrayValue).compactMap { $0["retention_loss_percent"]?.doubleValue }
        #expect(losses == losses.sorted(by: >))
        // The kept model is the one on disk.
        let output = directory.url.appendingPathComponent("cnn_encoder.opt.onnx")
        #expect(results["provenance"]?["output_sha256"]?.stringValue == (try ModelRegistrar.hashFile(at: output.path).sha256))
    }

    @Test func anUnreachableBoundFailsWithEveryAttemptRecordedAndTheBestKept() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let runner = Runner(platform: platform, settings: settings("mlp_policy"))
        let pending = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria { $0.minAccuracyRetentionPercent = 100 })

        #expect(ending.failureKind == .criteriaNotMet)
        #expect(ending.session.errorType == .criteriaNotMet)
        let results = try #require(ending.session.results)
        let attempts = try #require(results["attempts"]?.arrayValue)
        // Three quantized layers: two retries (worst 1, then worst 2), one layer always stays int8.
        #expect(attempts.count == 3)
        #expect(attempts.allSatisfy { $0["meets_criteria"] == .bool(false) })
        let retentions = attempts.compactMap { $0["accuracy_retention_percent"]?.doubleValue }
        let kept = try #require(results["kept_attempt"]?.doubleValue)
        #expect(retentions[Int(kept) - 1] == retentions.max())
        #expect(ending.session.accuracyRetentionPercent == retentions.max())
        #expect(FileManager.default.fileExists(atPath: directory.path("mlp_policy.opt.onnx")))
        #expect(try files(in: directory).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test(arguments: ["fp16", "quantize-int8-dynamic", "quantize-int8"])
    func everyTechniqueRunsEndToEndOnTheTransformer(_ technique: String) async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("transformer_encoder", to: directory)
        let runner = Runner(platform: platform, settings: settings("transformer_encoder"))
        let pending = try await runner.createSession(model: input.path, techniques: ["simplify", technique], owner: "ada")

        let session = try await runner.execute(sessionID: pending.id, criteria: lenientCriteria())

        #expect(session.status == .completed, "\(session.errorMessage ?? "")")
        #expect(try #require(session.sizeReductionPercent) > 40)  // float16 halves, int8 quarters
        #expect(try #require(session.accuracyRetentionPercent) > 90)
    }
}
