import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OptKit

/// `optctl serve` running as a child process on a free loopback port, driven over HTTP.
final class ServeProcess {
    let process = Process()
    let port: Int
    let stderrPath: String
    private let stdout = Pipe()

    /// Starts the server with `--port 0` and waits for its "listening on" line.
    init(home: URL, environment: [String: String] = [:], arguments: [String] = []) throws {
        stderrPath = home.deletingLastPathComponent().appendingPathComponent("serve-\(UUID().uuidString).stderr").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = Optctl.binary
        process.arguments = ["serve", "--port", "0", "--home", home.path] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPTCTL_HOME")
        env["OPTCTL_LOG_LEVEL"] = "info"
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()

        var buffer = Data()
        let deadline = Date().addingTimeInterval(120)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last ?? "")
            }
        }
        guard let found else {
            process.terminate()
            process.waitUntilExit()
            let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw ServeFailure(message: "optctl serve did not start: \(String(decoding: buffer, as: UTF8.self)) \(errors)")
        }
        port = found
    }

    var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data

        func json() throws -> JSONValue { try JSONParser.parse(Array(body)) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// A request with an optional JSON body, or raw `body` bytes whose Content-Type the
    /// caller gives in `headers`.
    func request(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        if let body { request.httpBody = body }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw ServeFailure(message: "not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    func signIn(_ user: String, password: String) async throws -> String {
        let reply = try await request("POST", "/auth/token", json: #"{"username": "\#(user)", "password": "\#(password)"}"#)
        guard reply.status == 200, let token = try reply.json()["access_token"]?.stringValue else {
            throw ServeFailure(message: "sign-in failed: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
        return token
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
