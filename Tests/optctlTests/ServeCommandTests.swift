import Foundation
import OptKit
import Testing

/// `optctl serve` as a user runs it: a process on a loopback port, a store shared with the CLI
/// and with other processes.
@Suite(.serialized) struct ServeCommandTests {
    @Test func firstStartExplainsHowToCreateAnAdminAndMakesAPrivateSecret() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let server = try ServeProcess(home: home)
        let health = try await server.request("GET", "/health")
        #expect(health.status == 200)
        #expect(health.header("X-Request-ID") != nil)
        #expect(server.stderr.contains("optctl users add NAME --role admin"))
        let secret = home.appendingPathComponent("jwt-secret").path
        let mode = try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(server.stop() == 0)
    }

    @Test func theAPIServesTheStoreSharedWithTheCLIAndOtherProcesses() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let optctl = Optctl(home: home)
        let added = try await optctl.run(["users", "add", "ada", "--role", "admin", "--password-stdin"], input: "long enough password\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try await optctl.run(["users", "add", "eve", "--role", "engineer"], input: "another password!\n").status == 0)
        let listed = try await optctl.run(["users", "list", "--json"]).json()
        guard case .array(let users)? = listed["users"] else {
            Issue.record("no users listed")
            return
        }
        #expect(users.compactMap { $0["name"]?.stringValue } == ["ada", "eve"])

        // Another process (this test) writes sessions into the same store.
        let platform = try Platform(configuration: PlatformConfiguration(home: home, user: "eve"))
        let done = try await platform.sessions.create(NewSession(modelID: "m1", modelName: "arm", techniques: ["fp16"], owner: "eve"))
        try await platform.sessions.apply(.start, to: done.id)
        try await platform.sessions.apply(.complete(SessionOutcome(
            sizeReductionPercent: 48, speedImprovementPercent: 30, accuracyRetentionPercent: 99.2, results: .object([:]))), to: done.id)

        let server = try ServeProcess(home: home, environment: ["OPTCTL_JWT_SECRET": String(repeating: "s", count: 40)])
        let token = try await server.signIn("ada", password: "long enough password")

        // Stats: the same document as `optctl stats --json`.
        var served = try await server.request("GET", "/dashboard/stats", token: token).json()
        var printed = try await optctl.run(["stats", "--json"]).json()
        if case .object(var a) = served, case .object(var b) = printed {
            a["last_updated"] = nil
            b["last_updated"] = nil
            served = .object(a)
            printed = .object(b)
        }
        #expect(served == printed)
        #expect(served["completed_optimizations"] == .number(1))

        // A session started while the server runs, by another process, is listed at once, even
        // though the server answered the same request (and kept the answer) just before.
        let before = try await server.request("GET", "/optimization/sessions?status=running", token: token).json()
        #expect(before["total"] == .number(0))
        let running = try await platform.sessions.create(NewSession(modelID: "m1", modelName: "arm", techniques: ["fp16"], owner: "eve"))
        try await platform.sessions.apply(.start, to: running.id)
        let list = try await server.request("GET", "/optimization/sessions?status=running", token: token).json()
        #expect(list["total"] == .number(1))
        #expect(list["sessions"].flatMap { if case .array(let items) = $0 { items.first?["session_id"] } else { nil } } == .string(running.id))
        let statsNow = try await server.request("GET", "/dashboard/stats", token: token).json()
        #expect(statsNow["active_optimizations"] == .number(1))
        #expect(statsNow["total_sessions"] == .number(2))

        // Cancelling over HTTP marks it for the process that runs it.
        let cancel = try await server.request("POST", "/optimization/sessions/\(running.id)/cancel", token: token)
        #expect(cancel.status == 202)
        #expect(try await platform.sessions.session(id: running.id).cancelRequested)

        // Errors are ErrorResponses with the request id.
        let missing = try await server.request("GET", "/optimization/sessions/nope", token: token, headers: ["X-Request-ID": "e2e-1"])
        #expect(missing.status == 404)
        #expect(missing.header("X-Request-ID") == "e2e-1")
        #expect(try missing.json()["request_id"] == .string("e2e-1"))
        #expect(try await server.request("GET", "/dashboard/stats").status == 401)

        let document = try await server.request("GET", "/openapi.json").json()
        #expect(document["openapi"] == .string("3.1.1"))

        #expect(server.stop() == 0)
        #expect(server.stderr.contains("GET /dashboard/stats 200"))
    }

    /// A session started over HTTP runs in the server through the same pipeline as `optctl run`;
    /// one run by `optctl run` in another process shows in the API as well.
    @Test func sessionsStartedByPOSTAndByOptctlRunShareTheStore() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        let optctl = Optctl(home: home, user: "ada")
        #expect(try await optctl.run(["users", "add", "ada", "--role", "admin", "--password-stdin"], input: "long enough password\n").status == 0)
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Examples/mlp_policy.onnx").standardized
        let model = directory.url.appendingPathComponent("mlp_policy.onnx")
        try FileManager.default.copyItem(at: example, to: model)
        let added = try await optctl.run(["models", "add", model.path, "--json"])
        let modelID = try #require(try added.json()["model_id"]?.stringValue, "\(added.stdout) \(added.stderr)")

        let server = try ServeProcess(home: home, environment: ["OPTCTL_JWT_SECRET": String(repeating: "s", count: 40)])
        let token = try await server.signIn("ada", password: "long enough password")
        let posted = try await server.request(
            "POST", "/optimization/sessions", token: token, json: #"{"model_id": "\#(modelID)", "techniques": ["simplify"]}"#)
        #expect(posted.status == 202)
        let postedID = try #require(try posted.json()["session_id"]?.stringValue)

        let cli = try await optctl.run([
            "run", model.path, "--techniques", "simplify", "--runs", "5", "--warmup", "1",
            "--out", directory.path("cli.onnx"), "--json",
        ])
        #expect(cli.status == 0, "\(cli.stderr)")
        let last = try JSONParser.parse(String(cli.stdout.split(separator: "\n").last ?? ""))
        let cliID = try #require(last["data"]?["session_id"]?.stringValue)

        var status: JSONValue?
        for _ in 0..<600 {
            status = try await server.request("GET", "/optimization/sessions/\(postedID)", token: token).json()["status"]
            if status != .string("pending") && status != .string("running") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == .string("completed"))
        let shown = try await server.request("GET", "/optimization/sessions/\(cliID)", token: token).json()
        #expect(shown["status"] == .string("completed"))
        #expect(shown["owner"] == .string("ada"))
        let completed = try await server.request("GET", "/optimization/sessions?status=completed", token: token).json()
        #expect(completed["total"] == .number(2))
        #expect(server.stop() == 0)
    }

    @Test func badSettingsStopTheServerBeforeItStartsNamingEveryProblem() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let result = try await optctl.run(
            ["serve", "--profile", "prod"], environment: ["OPTCTL_CORS_ORIGINS": "*", "OPTCTL_PORT": "eighty"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("OPTCTL_CORS_ORIGINS"))
        #expect(result.stderr.contains("OPTCTL_JWT_SECRET"))
        #expect(result.stderr.contains("OPTCTL_PORT"))
    }

    @Test func usersAreManagedFromTheCLI() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        #expect(try await optctl.run(["users", "list"]).stdout.contains("No users"))
        let short = try await optctl.run(["users", "add", "bob", "--role", "viewer"], input: "short\n")
        #expect(short.status == 64)
        #expect(short.stderr.contains("at least 8"))
        let badRole = try await optctl.run(["users", "add", "bob", "--role", "root"], input: "long enough pw\n")
        #expect(badRole.status == 64)
        #expect(try await optctl.run(["users", "add", "bob", "--role", "viewer"], input: "long enough pw\n").status == 0)
        let twice = try await optctl.run(["users", "add", "bob", "--role", "admin"], input: "long enough pw\n")
        #expect(twice.status == 3)
        #expect(try await optctl.run(["users", "remove", "bob"]).status == 0)
        #expect(try await optctl.run(["users", "remove", "bob"]).status == 4)
    }
}
