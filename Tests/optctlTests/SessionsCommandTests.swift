import Foundation
import OptKit
import Testing

@Suite struct SessionsCommandTests {
    /// A home with three sessions: completed, failed, running (newest last).
    func seededHome() async throws -> (TemporaryDirectory, Optctl, [Session]) {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let platform = try Platform(configuration: PlatformConfiguration(home: home, user: "ana"))
        var sessions: [Session] = []
        for (index, status) in [SessionStatus.completed, .failed, .running].enumerated() {
            let created = try await platform.sessions.create(
                NewSession(modelID: "m\(index)", modelName: "policy-\(index)", techniques: ["quantize-int8"], owner: "ana"))
            var session = try await platform.sessions.apply(.start, to: created.id)
            if status == .completed {
                session = try await platform.sessions.apply(.complete(SessionOutcome(
                    sizeReductionPercent: 72.5, speedImprovementPercent: 41, accuracyRetentionPercent: 99.1,
                    results: .object(["note": .string("seeded")]))), to: created.id)
            } else if status == .failed {
                session = try await platform.sessions.apply(
                    .fail(type: .unsupportedOp, message: "node 'x': the engine cannot run op Foo", outcome: nil), to: created.id)
            }
            sessions.append(session)
        }
        return (directory, Optctl(home: home), sessions)
    }

    @Test func statsJSONHasTheSeedFields() async throws {
        let (directory, optctl, _) = try await seededHome()
        _ = directory
        let result = try await optctl.run(["stats", "--json"])
        #expect(result.status == 0 && result.stderr.isEmpty)
        let json = try result.json()
        #expect(json["total_sessions"] == .number(3))
        #expect(json["active_optimizations"] == .number(1))
        #expect(json["completed_optimizations"] == .number(1))
        #expect(json["failed_optimizations"] == .number(1))
        #expect(json["average_size_reduction"] == .number(72.5))
        #expect(json["average_speed_improvement"] == .number(41))
        #expect(json["last_updated"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func statsForPeopleIsAnAlignedList() async throws {
        let (directory, optctl, _) = try await seededHome()
        _ = directory
        let result = try await optctl.run(["stats"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Average size reduction      72.5%"))
        #expect(!result.stdout.contains("\u{1B}["))  // NO_COLOR
    }

    @Test func listFiltersByStatusAndPages() async throws {
        let (directory, optctl, sessions) = try await seededHome()
        _ = directory
        let completed = try await optctl.run(["sessions", "list", "--status", "completed", "--json"]).json()
        #expect(completed["total"] == .number(1))
        guard case .array(let rows)? = completed["sessions"], let row = rows.first else {
            Issue.record("no sessions array"); return
        }
        #expect(row["session_id"]?.stringValue == sessions[0].id)
        #expect(row["size_reduction_percent"] == .number(72.5))
        #expect(row["completed_at"] != .null)

        let page = try await optctl.run(["sessions", "list", "--limit", "1", "--skip", "1", "--json"]).json()
        #expect(page["total"] == .number(3) && page["skip"] == .number(1) && page["limit"] == .number(1))
        guard case .array(let pageRows)? = page["sessions"] else { Issue.record("no sessions"); return }
        #expect(pageRows.map { $0["session_id"]?.stringValue } == [sessions[1].id])

        let quiet = try await optctl.run(["sessions", "list", "--quiet"])
        #expect(quiet.stdout.split(separator: "\n").map(String.init) == sessions.reversed().map(\.id))

        let table = try await optctl.run(["sessions", "list"])
        #expect(table.stdout.hasPrefix("SESSION"))
        #expect(table.stdout.contains("policy-2") && table.stdout.contains("1-3 of 3"))
    }

    @Test func showPrintsOneSessionWithItsResults() async throws {
        let (directory, optctl, sessions) = try await seededHome()
        _ = directory
        let json = try await optctl.run(["sessions", "show", sessions[0].id, "--json"]).json()
        #expect(json["results"]?["note"] == .string("seeded"))
        #expect(json["owner"] == .string("ana"))
        let human = try await optctl.run(["sessions", "show", sessions[1].id])
        #expect(human.stdout.contains("unsupported_op") && human.stdout.contains("cannot run op Foo"))
    }

    @Test func unknownSessionExitsFour() async throws {
        let (directory, optctl, _) = try await seededHome()
        _ = directory
        let result = try await optctl.run(["sessions", "show", "nope", "--json"])
        #expect(result.status == 4)
        #expect(result.stderr == "optctl: error: no session with id 'nope'\n")
        #expect(try result.json()["error"] == .string("not_found"))
    }
}

@Suite struct ColourTests {
    /// Runs `optctl ARGS` on a pseudo-terminal (`script`), as a person at a terminal would.
    func runOnTerminal(_ arguments: String, home: URL, noColor: Bool) throws -> String {
        var environment = ["TERM": "xterm"]
        if noColor { environment["NO_COLOR"] = "1" }
        let command = "env \(noColor ? "" : "-u NO_COLOR ")\(Optctl.binary.path) \(arguments) --home \(home.path)"
        return try Optctl.execute(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], environment: environment).stdout
    }

    @Test func colourOnATerminalOnlyAndNeverWithNoColor() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let onTerminal = try runOnTerminal("models list", home: home, noColor: false)
        #expect(onTerminal.contains("No models registered"))
        try writeTinyModel(to: directory.path("p.onnx"))
        try await Optctl(home: home).run(["models", "add", directory.path("p.onnx")])

        #expect(try runOnTerminal("models list", home: home, noColor: false).contains("\u{1B}[1m"))
        #expect(!(try runOnTerminal("models list", home: home, noColor: true).contains("\u{1B}[")))
        let piped = try await Optctl(home: home).run(["models", "list"], environment: ["NO_COLOR": ""]).stdout
        #expect(!piped.contains("\u{1B}[") && piped.hasPrefix("MODEL"))
    }
}
