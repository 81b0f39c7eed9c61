import Foundation
import GRDB
import OptKit

/// Runs the built `optctl` binary, as a user or a CI job would.
struct Optctl {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// stdout parsed as JSON (tests of --json output).
        func json() throws -> JSONValue { try JSONParser.parse(stdout) }
    }

    /// The binary next to the test bundle (the test target depends on the optctl target), or
    /// $OPTCTL_BINARY.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["OPTCTL_BINARY"] { return URL(fileURLWithPath: path) }
        return productsDirectory.appendingPathComponent("optctl")
    }

    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    let home: URL
    var user = "tester"

    /// Runs `optctl ARGS --home HOME`, feeding `input` on stdin.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try Self.execute(
            Self.binary, arguments + ["--home", home.path], input: input,
            environment: ["OPTCTL_USER": user, "NO_COLOR": "1"].merging(environment) { $1 })
    }

    /// The same from an async test: the child is waited for on a thread of its own. A test
    /// blocked in `waitUntilExit` holds one of the cooperative pool's threads (two on a
    /// 2-core machine), and the in-process servers of other tests running in parallel then
    /// stop answering; under load that failed their timeouts.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try self.run(arguments, input: input, environment: environment) as Result)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Starts `optctl ARGS --home HOME` without waiting, its output discarded (signal and
    /// crash tests watch the store instead).
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments + ["--home", home.path]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPTCTL_HOME")
        environment.merge(["OPTCTL_USER": user, "NO_COLOR": "1"]) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func execute(
        _ executable: URL, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPTCTL_HOME")
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Drain stdout on another thread while reading stderr here, so that neither pipe can
        // fill up and block the child.
        let collected = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            collected.data = (try? stdout.fileHandleForReading.readToEnd()) ?? Data()
            group.leave()
        }
        let errData = (try? stderr.fileHandleForReading.readToEnd()) ?? Data()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: collected.data, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    private final class Collected: @unchecked Sendable {
        var data = Data()
    }
}

/// A fresh folder under the temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("optctl-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Everything the store holds, as text: two snapshots are equal when nothing was written.
func storeSnapshot(home: URL) async throws -> String {
    let database = try AppDatabase.open(path: home.appendingPathComponent(Platform.databaseFileName).path)
    return try await database.writer.read { db in
        var text = ""
        for table in ["sessions", "models", "criteria", "events", "session_counters", "counters"] {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1") {
                text += "\(table): \(row)\n"
            }
        }
        return text
    }
}


