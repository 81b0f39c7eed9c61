import Foundation
import OptKit
import Synchronization
import Testing

/// The real-time channel of a real `optctl serve` process, with python-socketio as the
/// dashboard (Tests/socketio-interop/event_recorder.py): the REST API's tokens on CONNECT,
/// the events of a session that `optctl run` runs in another process, the clients gauge of
/// /metrics, and a clean stop.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RealtimeServeTests {
    @Test func aDashboardFollowsOptctlRunInAnotherProcessWithTheAPIsToken() async throws {
        let python = try PythonEnvironment.interpreter()
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let optctl = Optctl(home: home)
        #expect(try optctl.run(["users", "add", "ada", "--role", "admin", "--password-stdin"], input: "long enough password\n").status == 0)
        #expect(try optctl.run(["users", "add", "eve", "--role", "engineer", "--password-stdin"], input: "another password!\n").status == 0)

        let server = try ServeProcess(home: home, environment: ["OPTCTL_JWT_SECRET": String(repeating: "s", count: 40)])
        let token = try await server.signIn("ada", password: "long enough password")
        // A removed user's token is still signed and unexpired: the channel refuses it anyway.
        let removedToken = try await server.signIn("eve", password: "another password!")
        #expect(try optctl.run(["users", "remove", "eve"]).status == 0)

        let script = PythonEnvironment.repositoryRoot.appendingPathComponent("Tests/socketio-interop/event_recorder.py")
        let client = try LineProcess(python, [script.path, "http://127.0.0.1:\(server.port)", token, removedToken])
        defer { client.terminate() }
        let refused = try await client.next()
        #expect(refused["refused"]?["message"]?.stringValue?.contains("eve no longer exists") == true, "\(refused)")
        #expect(refused["refused"]?["data"]?["code"] == .string("unauthorized"))
        let connected = try await client.next()
        #expect(connected["transport"] == .string("websocket"), "python-socketio upgrades from polling: \(connected)")
        let status = try await client.nextEvent()
        #expect(status.name == "system_status")
        #expect(status.data["connected_clients"] == .number(1))

        let metrics = String(decoding: try await server.request("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("optctl_websocket_clients 1"), "\(metrics)")

        // `optctl run` in another process: its events reach the dashboard through the store's
        // event log. The client subscribes when it sees session_started (lifecycle events reach
        // an admin unasked), so it gets the progress from then on; the benchmark's runs keep the
        // session going long enough for that.
        let output = directory.url.appendingPathComponent("policy.opt.onnx").path
        var runner = optctl
        runner.user = "ada"
        let run = try runner.run([
            "run", PythonEnvironment.repositoryRoot.appendingPathComponent("Examples/mlp_policy.onnx").path,
            "--techniques", "simplify", "--runs", "3000", "--warmup", "10", "--out", output, "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let printed = try run.stdout.split(separator: "\n").map { line in
            do {
                return try JSONParser.parse(String(line))
            } catch {
                throw ServeFailure(message: "optctl run printed \(line): \(error)")
            }
        }
        let sessionID = try #require(printed.last?["data"]?["session_id"]?.stringValue)
        let ndjson = printed.filter { $0["data"]?["session_id"] == .string(sessionID) && $0["event"] != .string("session") }

        var received: [JSONValue] = []
        var ack: JSONValue?
        while received.last?["event"] != .string("session_completed") {
            let line = try await client.next()
            if line["ack"] != nil { ack = line["ack"] }
            if line["event"] != nil, line["event"] != .string("system_status") { received.append(line) }
        }
        #expect(ack?["ok"] == .bool(true))
        #expect(ack?["session"]?["session_id"] == .string(sessionID))
        // Every event arrives as `optctl run --json` printed it (same name, same payload), in
        // the same order; lifecycle events all, progress from the subscription on.
        #expect(received.first == ndjson.first, "\(received.first.map(String.init(describing:)) ?? "nothing")")
        #expect(received.last == ndjson.last)
        #expect(received.count >= 3, "no progress after subscribing: \(received)")
        var remaining = ndjson[...]
        for event in received {
            guard let index = remaining.firstIndex(of: event) else {
                Issue.record("received out of order or unknown: \(event)")
                break
            }
            remaining = remaining[(index + 1)...]
        }
        let completed = received.last?["data"]
        #expect(completed?["results"]?["accuracy_retention_percent"] != nil)
        #expect(completed?["timestamp"]?.stringValue?.hasSuffix("Z") == true)

        // SIGTERM: the client is told, the server exits cleanly.
        #expect(server.stop() == 0)
        #expect(try await client.next()["disconnected"] == .bool(true))
        client.send("QUIT")
        #expect(await client.exitStatus() == 0, "\(client.errorOutput)")
    }
}

/// The Python interpreter of the project's test environment (scripts/python-env installs
/// scripts/requirements-test.txt, python-socketio among them), or $OPTCTL_PYTHON.
enum PythonEnvironment {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func interpreter() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["OPTCTL_PYTHON"], !explicit.isEmpty { return explicit }
        let result = try Optctl.execute(repositoryRoot.appendingPathComponent("scripts/python-env"), [])
        guard result.status == 0 else { throw ServeFailure(message: "scripts/python-env failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/bin/python"
    }
}

/// A child process that prints one JSON object per line and reads commands on stdin.
final class LineProcess: @unchecked Sendable {
    private let process: Process
    private let input = Pipe()
    private let errors = Pipe()
    /// Lines printed and not read yet; nil once the output ended.
    private let lines = PrintedLines()

    private final class PrintedLines: Sendable {
        let state = Mutex<[String]?>([])
        func withLock<T>(_ body: (inout [String]?) -> T) -> T { state.withLock { body(&$0) } }
    }

    init(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        self.process = process
        let lines = self.lines
        DispatchQueue.global().async {
            var buffer = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer += chunk
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    lines.withLock { $0?.append(line) }
                    buffer = Data(buffer[buffer.index(after: newline)...])
                }
            }
            lines.withLock { if $0?.isEmpty == true { $0 = nil } }
        }
        try process.run()
    }

    /// The next line as JSON; fails when the process ends or says nothing for 30 s.
    func next() async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let (line, ended) = lines.withLock { lines -> (String?, Bool) in
                guard let pending = lines else { return (nil, true) }
                guard !pending.isEmpty else { return (nil, false) }
                return (lines?.removeFirst(), false)
            }
            if let line {
                do {
                    return try JSONParser.parse(line)
                } catch {
                    throw ServeFailure(message: "the client printed \(line): \(error)")
                }
            }
            if ended { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServeFailure(message: "the client said nothing more: \(errorOutput)")
    }

    func nextEvent() async throws -> (name: String, data: JSONValue) {
        while true {
            let line = try await next()
            if case .string(let name)? = line["event"] { return (name, line["data"] ?? .null) }
        }
    }

    func send(_ command: String) {
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
    }

    func exitStatus() async -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    var errorOutput: String {
        if process.isRunning { return "(still running)" }
        return String(decoding: (try? errors.fileHandleForReading.readToEnd()) ?? Data(), as: UTF8.self)
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }
}
