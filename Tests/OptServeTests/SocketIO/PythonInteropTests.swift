import Foundation
import OptKit
@testable import OptServe
import Testing

/// python-socketio 5.x (PyPI, with websocket-client), a third-party client, against the
/// channel: refused connects, subscribe with snapshot, events in order, automatic reconnect
/// with resubscription. Tests/socketio-interop/python_client.py is the client; this test
/// drives the store and the server at each step it reports.
@Suite("python-socketio interop", .serialized, .timeLimit(.minutes(3)))
struct PythonInteropTests {
    @Test("python-socketio in its default mode (polling, then upgrade) and websocket-only", arguments: ["default", "websocket"])
    func pythonClient(mode: String) async throws {
        let python = try PythonEnvironment.interpreter()
        let fixture = try await RealtimeFixture.make()
        defer { fixture.removeHome() }
        let session = try await fixture.session(owner: "erin")
        let second = try await fixture.session(owner: "erin")
        let token = try await fixture.tokens.token("erin", .engineer)
        let sessions = fixture.platform.sessions
        let channel = fixture.channel
        try await LiveServer.run(channel) { port in
            let script = PythonEnvironment.repositoryRoot.appendingPathComponent("Tests/socketio-interop/python_client.py")
            let process = try DrivenProcess(
                python, [script.path, "http://127.0.0.1:\(port)", token, token + "tampered", session.id, second.id, mode])
            defer { process.terminate() }
            while let line = await process.nextLine(timeout: .seconds(60)) {
                switch line {
                case "READY":
                    try await sessions.apply(.start, to: session.id)
                    try await sessions.apply(.progress(percentage: 50, step: "benchmark", estimatedCompletion: nil), to: session.id)
                    let outcome = SessionOutcome(
                        sizeReductionPercent: 70, speedImprovementPercent: 25, accuracyRetentionPercent: 99,
                        results: .object([:]))
                    try await sessions.apply(.complete(outcome), to: session.id)
                case "DROP":
                    // Let the completed event reach the client first, then cut every connection.
                    channel.engine.closeAll(.serverClosed)
                case "RECONNECTED":
                    try await sessions.apply(.start, to: second.id)
                case "DONE":
                    break
                default:
                    Issue.record("unexpected line from the client: \(line)")
                }
                if line == "DONE" { break }
                process.send("GO")
            }
            let status = await process.wait()
            #expect(status == 0, "python client failed:\n\(process.errorOutput)")
        }
    }
}

/// The Python interpreter of the project's test environment (scripts/python-env, which
/// installs scripts/requirements-test.txt), or $OPTCTL_PYTHON.
enum PythonEnvironment {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func interpreter() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["OPTCTL_PYTHON"], !explicit.isEmpty { return explicit }
        let script = repositoryRoot.appendingPathComponent("scripts/python-env")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw TestFailure("no Python test environment: scripts/python-env is missing and OPTCTL_PYTHON is not set")
        }
        let process = Process()
        process.executableURL = script
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("scripts/python-env failed") }
        let venv = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return venv + "/bin/python"
    }
}

/// A child process that reports steps on stdout, one per line, and reads answers on stdin.
final class DrivenProcess: @unchecked Sendable {
    private let process: Process
    private let input: Pipe
    private let lines = Inbox<String>()
    private let errors = SendableBox("")
    private let exited = Inbox<Int32>()

    init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        input = Pipe()
        let output = Pipe()
        let errorPipe = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errorPipe
        let lines = self.lines
        let pending = SendableBox("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lines.finish()
                return
            }
            var buffer = pending.value + String(decoding: data, as: UTF8.self)
            while let newline = buffer.firstIndex(of: "\n") {
                lines.push(String(buffer[..<newline]))
                buffer = String(buffer[buffer.index(after: newline)...])
            }
            pending.value = buffer
        }
        let errors = self.errors
        errorPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            errors.value += String(decoding: data, as: UTF8.self)
        }
        let exited = self.exited
        process.terminationHandler = { process in exited.push(process.terminationStatus) }
        try process.run()
    }

    func nextLine(timeout: Duration) async -> String? {
        await lines.next(timeout: timeout)
    }

    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func wait() async -> Int32 {
        await exited.next(timeout: .seconds(30)) ?? -1
    }

    var errorOutput: String { errors.value }

    func terminate() {
        if process.isRunning { process.terminate() }
    }
}
