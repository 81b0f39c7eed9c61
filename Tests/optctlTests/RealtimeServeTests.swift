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
        #expect(try await optctl.run(["users", "add", "ada", "--role", "admin", "--password-stdin"], input: "long enough password\n").status == 0)
        #expect(try await optctl.run(["users", "add", "eve", "--role", "engineer", "--password-stdin"], input: "another password!\n").status == 0)

        let server = try ServeProcess(home: home, environment: ["OPTCTL_JWT_SECRET": String(repeating: "s", count: 40)])
        let token = try await server.signIn("ada", password: "long enough password")
        // A removed user's token is still signed and unexpired: the channel refuses it anyway.
        let removedToken = try await server.signIn("eve", password: "another password!")
        #expect(try await optctl.run(["users", "remove", "eve"]).status == 0)

        let script = PythonEnvironment.repositoryRoot.appendingPathComponent("Tests/socketio-interop/event_recorder.py")
        let client = try LineProcess(python, [script.path, "http://127.0.0.1:\(server.port)", token, removedToken])
        defer { client.terminate() }
        let refused = try await client.next()
        #expect(refused["refused"]?["message"]?.stringValue?.contains("eve no longer exists") == true, "\(refused)")
        #expect(refused["refused"]?["data"]?["code"] == .string("unauthorized"))
        // The server greets a new client with system_status, which can arrive while the client
        // is still upgrading, so before or after its "connected" line.
        let (connected, before) = try await client.next(containing: "connected")
        #expect(connected["transport"] == .string("websocket"), "python-socketio upgrades from polling: \(connected)")
        var status = (name: "", data: JSONValue.null)
        if let early = before.first(where: { $0["event"] != nil }) {
            status = (early["event"]?.stringValue ?? "", early["data"] ?? .null)
        } else {
            status = try await client.nextEvent()
        }
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
        let run = try await runner.run([
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

extension RealtimeServeTests {
    /// The issue's end-to-end case, all through the server: a model uploaded with POST /models,
    /// a session started with POST /optimization/sessions and run by the server's own worker
    /// pool, and a python-socketio dashboard that receives started, progress and completed in
    /// that order with the seed's fields. The CNN's benchmark (the server's default 200 runs,
    /// debug build) keeps the session going for seconds, so progress still arrives after the
    /// dashboard subscribes on session_started.
    @Test func aSessionStartedOverRESTStreamsStartedProgressAndCompletedToTheDashboard() async throws {
        let python = try PythonEnvironment.interpreter()
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let optctl = Optctl(home: home)
        #expect(try await optctl.run(["users", "add", "ada", "--role", "admin", "--password-stdin"], input: "long enough password\n").status == 0)
        let server = try ServeProcess(home: home, environment: ["OPTCTL_JWT_SECRET": String(repeating: "s", count: 40)])
        let token = try await server.signIn("ada", password: "long enough password")

        let script = PythonEnvironment.repositoryRoot.appendingPathComponent("Tests/socketio-interop/event_recorder.py")
        let client = try LineProcess(python, [script.path, "http://127.0.0.1:\(server.port)", token])
        defer { client.terminate() }
        #expect(try await client.next(containing: "connected").line["transport"] == .string("websocket"))

        let model = PythonEnvironment.repositoryRoot.appendingPathComponent("Examples/cnn_encoder.onnx")
        let uploaded = try await server.request(
            "POST", "/models?name=encoder", token: token, body: try Data(contentsOf: model),
            headers: ["Content-Type": "application/octet-stream"])
        #expect(uploaded.status == 201, "\(String(decoding: uploaded.body, as: UTF8.self))")
        let modelID = try #require(try uploaded.json()["model_id"]?.stringValue)
        let posted = try await server.request(
            "POST", "/optimization/sessions", token: token, json: #"{"model_id": "\#(modelID)", "techniques": ["simplify"]}"#)
        #expect(posted.status == 202, "\(String(decoding: posted.body, as: UTF8.self))")
        let sessionID = try #require(try posted.json()["session_id"]?.stringValue)

        var events: [(name: String, data: JSONValue)] = []
        var ack: JSONValue?
        while !["session_completed", "session_failed", "session_cancelled"].contains(events.last?.name ?? "") {
            let line = try await client.next()
            if line["ack"] != nil { ack = line["ack"] }
            if case .string(let name)? = line["event"], name != "system_status" { events.append((name, line["data"] ?? .null)) }
        }
        #expect(ack?["ok"] == .bool(true))
        #expect(ack?["session"]?["session_id"] == .string(sessionID))
        #expect(events.allSatisfy { $0.data["session_id"] == .string(sessionID) }, "\(events)")
        #expect(events.allSatisfy { $0.data["timestamp"]?.stringValue?.hasSuffix("Z") == true })

        let names = events.map(\.name)
        #expect(names.first == "session_started", "\(names)")
        #expect(names.last == "session_completed", "\(events.last.map { String(describing: $0.data) } ?? "")")
        #expect(names.dropFirst().dropLast().allSatisfy { $0 == "session_progress" }, "\(names)")
        #expect(names.count >= 3, "no progress after subscribing: \(names)")

        let started = events[0].data
        #expect(started["model_id"] == .string(modelID))
        #expect(started["model_name"] == .string("encoder"))
        #expect(started["techniques"] == .array([.string("simplify")]))
        let progress = events.dropFirst().dropLast().map(\.data)
        let percentages = progress.compactMap { $0["progress_percentage"]?.doubleValue }
        #expect(percentages.count == progress.count && percentages == percentages.sorted(), "\(percentages)")
        #expect(progress.allSatisfy { $0["current_step"]?.stringValue?.isEmpty == false })

        // The completed event's results are the figures the REST API shows for the session.
        let results = try #require(events.last?.data["results"])
        let session = try await server.request("GET", "/optimization/sessions/\(sessionID)", token: token).json()
        #expect(session["status"] == .string("completed"))
        for figure in ["size_reduction_percent", "speed_improvement_percent", "accuracy_retention_percent"] {
            #expect(results[figure] != nil && results[figure] == session[figure], "\(figure): \(results) vs \(session)")
        }

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

    /// The next line that has `key`, and the lines read before it.
    func next(containing key: String) async throws -> (line: JSONValue, before: [JSONValue]) {
        var before: [JSONValue] = []
        while true {
            let line = try await next()
            if line[key] != nil { return (line, before) }
            before.append(line)
        }
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
