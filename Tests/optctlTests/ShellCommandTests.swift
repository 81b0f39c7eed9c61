import Foundation
import OptKit
import Testing

@Suite struct ShellCommandTests {
    @Test func runsCommandsKeepsHistoryAndSurvivesErrors() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let input = """
            stats --json
            sessions list --limit 500
            config get
            'unterminated
            exit

            """
        let result = try await optctl.run(["shell"], input: input)
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"total_sessions\": 0"))
        #expect(result.stdout.contains("\"hardware_target\": \"cpu\""))
        #expect(result.stderr.contains("limit: must be an integer from 1 to 100"))
        #expect(result.stderr.contains("unterminated ' quote"))
        let history = try String(contentsOf: optctl.home.appendingPathComponent("shell_history"), encoding: .utf8)
        #expect(history.contains("stats --json") && history.contains("sessions list --limit 500"))
    }

    @Test func endOfInputLeavesTheShell() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Optctl(home: directory.url.appendingPathComponent("home")).run(["shell"], input: "stats\n")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Sessions"))
    }

    /// Tab completion needs a terminal: `script` gives readline a pseudo-terminal. "sess<TAB>"
    /// must become "sessions " and "--st<TAB>" "--status ", so the line runs as typed.
    @Test func tabCompletesSubcommandsAndOptions() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let command = "\(Optctl.binary.path) shell --home \(home.path)"
        let input = "sess\tlist --st\tcompleted --json\nexit\n"
        let result = try Optctl.execute(
            URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], input: input,
            environment: ["NO_COLOR": "1", "TERM": "dumb"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"total\": 0"))
        #expect(result.stdout.contains("\"sessions\": []"))
    }
}
