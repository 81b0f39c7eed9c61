import Foundation
import OptKit
import Testing

/// `optctl run` as a CI job uses it: exit codes, NDJSON, signals, crashes.
@Suite struct RunCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples").standardized

    func workspace() throws -> (TemporaryDirectory, Optctl, String) {
        let directory = try TemporaryDirectory()
        let model = directory.path("mlp_policy.onnx")
        try FileManager.default.copyItem(atPath: Self.examples.appendingPathComponent("mlp_policy.onnx").path, toPath: model)
        return (directory, Optctl(home: directory.url.appendingPathComponent("home")), model)
    }

    @Test func jsonPrintsOneEventPerLineAndTheSessionLast() async throws {
        let (directory, optctl, model) = try workspace()
        let result = try await optctl.run(["run", model, "--techniques", "simplify", "--runs", "5", "--json"])

        #expect(result.status == 0)
        let lines = try result.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(lines.first?["event"]?.stringValue == "session_started")
        #expect(lines.contains { $0["event"]?.stringValue == "session_progress" && $0["data"]?["progress_percentage"] != nil })
        #expect(lines.dropLast().last?["event"]?.stringValue == "session_completed")
        let session = try #require(lines.last)
        #expect(session["event"]?.stringValue == "session")
        #expect(session["data"]?["status"]?.stringValue == "completed")
        #expect(session["data"]?["owner"]?.stringValue == "tester")
        #expect(lines.dropLast().last?["data"]?["results"]?["output_model_path"]?.stringValue == directory.path("mlp_policy.opt.onnx"))
        // The session is in the store, with its results, for `sessions show`.
        let id = try #require(session["data"]?["session_id"]?.stringValue)
        let shown = try await optctl.run(["sessions", "show", id])
        #expect(shown.status == 0 && shown.stdout.contains("Provenance") && shown.stdout.contains("mlp_policy.opt.onnx"))
    }

    @Test func missedCriteriaExitWith5AndKeepTheModel() async throws {
        let (directory, optctl, model) = try workspace()
        let criteria = try directory.write("""
            {"name": "tight", "description": "", "target_deployment": "robot", "enabled_techniques": ["simplify"],
             "hardware_target": "cpu", "max_size_reduction_percent": 100, "min_accuracy_retention_percent": 90,
             "max_inference_time_ms": 1000, "constraints": {"max_model_size_mb": 0.001}}
            """, to: "criteria.json")

        let result = try await optctl.run(["run", model, "--techniques", "simplify", "--runs", "5", "--criteria", criteria])

        #expect(result.status == 5)
        #expect(result.stderr.contains("criteria not met: constraints.max_model_size_mb"))
        #expect(result.stdout.contains("FAILED constraints.max_model_size_mb"))
        #expect(FileManager.default.fileExists(atPath: directory.path("mlp_policy.opt.onnx")))
    }

    @Test func badRequestsExitWithTheDocumentedCodes() async throws {
        let (directory, optctl, model) = try workspace()
        #expect(try await optctl.run(["run", directory.path("missing.onnx")]).status == 4)
        let unknown = try await optctl.run(["run", model, "--techniques", "prune-everything"])
        #expect(unknown.status == 64 && unknown.stderr.contains("prune-everything"))
        let mismatched = try await optctl.run([
            "run", model, "--techniques", "quantize-int8",
            "--calibration", Self.examples.appendingPathComponent("cnn_encoder/calibration").path,
        ])
        #expect(mismatched.status == 65 && mismatched.stderr.contains("calibration sample"))
        let list = try await optctl.run(["sessions", "list", "--status", "failed", "--json"]).json()
        #expect(list["total"] == .number(1))  // the mismatched run is recorded; usage errors are not
    }

    @Test func sigintCancelsTheSessionRemovesPartialOutputAndExits130() async throws {
        let (directory, optctl, model) = try workspace()
        let process = try optctl.start(["run", model, "--techniques", "simplify", "--runs", "100000"])
        try await waitUntil(home: optctl.home, process: process) { $0.status == .running && $0.progressPercentage > 15 }

        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()

        #expect(process.terminationStatus == 130)
        let session = try #require(try await sessions(home: optctl.home).first)
        #expect(session.status == .cancelled && session.errorMessage == "interrupted by SIGINT")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["home", "mlp_policy.onnx"])
    }

    @Test func aKilledRunIsMarkedInterruptedByTheNextCommand() async throws {
        let (directory, optctl, model) = try workspace()
        defer { withExtendedLifetime(directory) {} }
        let process = try optctl.start(["run", model, "--techniques", "simplify", "--runs", "100000"])
        try await waitUntil(home: optctl.home, process: process) { $0.status == .running }

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        // Until its lease expires the session stays running (contracts.md); then the next
        // optctl command, whichever it is, marks it interrupted.
        let early = try await optctl.run(["sessions", "list", "--json"]).json()
        #expect(early["sessions"]?.arrayValue?.first?["status"]?.stringValue == "running")
        try await Task.sleep(for: .seconds(LeaseHolder.duration + 1))
        let shown = try await optctl.run(["sessions", "list", "--json"]).json()
        let row = try #require(shown["sessions"]?.arrayValue?.first)
        #expect(row["status"]?.stringValue == "failed")
        #expect(row["error_type"]?.stringValue == "interrupted")
    }

    @Test func techniquesListsEveryPassWithItsParameters() async throws {
        let (directory, optctl, _) = try workspace()
        defer { withExtendedLifetime(directory) {} }
        let json = try await optctl.run(["techniques", "--json"]).json()
        let ids = json.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(ids == ["simplify", "fp16", "quantize-int8-dynamic", "quantize-int8"])
        let static8 = json.arrayValue?.first { $0["id"]?.stringValue == "quantize-int8" }
        #expect(static8?["parameters"]?.arrayValue?.contains { $0["name"]?.stringValue == "method" && $0["default"]?.stringValue == "minmax" } == true)
    }

    private func sessions(home: URL) async throws -> [Session] {
        let platform = try Platform(configuration: PlatformConfiguration(home: home, user: "observer"))
        var sessions: [Session] = []
        for summary in try await platform.sessions.list(SessionFilter()).sessions {
            sessions.append(try await platform.sessions.session(id: summary.id))
        }
        return sessions
    }

    /// Polls the store (another process's view) until the first session satisfies `condition`.
    /// The deadline is generous: under the full parallel suite a child can wait long for a core.
    private func waitUntil(home: URL, process: Process, seconds: Double = 300, _ condition: (Session) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var last: Session?
        while Date() < deadline {
            guard process.isRunning else {
                Issue.record("optctl run exited with \(process.terminationStatus) before the expected state; last seen: \(String(describing: last))")
                return
            }
            if FileManager.default.fileExists(atPath: home.appendingPathComponent(Platform.databaseFileName).path) {
                last = try await sessions(home: home).first
                if let last, condition(last) { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the session never reached the expected state; last seen: \(String(describing: last))")
    }
}
