import Foundation
import OptKit
import Testing

/// Bad input never crashes and never writes: one clear line on stderr, the documented exit
/// code, and the store exactly as it was.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        let status: Int32
        let message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown status", arguments: ["sessions", "list", "--status", "done"], status: 64,
             message: "status: must be one of pending, running, completed, failed, cancelled"),
        Case(name: "negative skip", arguments: ["sessions", "list", "--skip=-1"], status: 64,
             message: "skip: must be an integer >= 0"),
        Case(name: "limit 101", arguments: ["sessions", "list", "--limit", "101"], status: 64,
             message: "limit: must be an integer from 1 to 100"),
        Case(name: "start after end", arguments: ["sessions", "list", "--since", "2026-11-02", "--until", "2026-11-01"], status: 64,
             message: "start_date: must not be after end_date"),
        Case(name: "malformed JSON", arguments: ["config", "put", "@malformed.json"], status: 65,
             message: "malformed.json: malformed JSON at line 3, column 1: expected a string key"),
        Case(name: "missing file", arguments: ["config", "put", "@missing.json"], status: 4,
             message: "missing.json: no such file"),
        Case(name: "directory instead of a file", arguments: ["config", "put", "@folder"], status: 1,
             message: "folder: is a directory, expected a file"),
        Case(name: "missing model", arguments: ["models", "add", "@missing.onnx"], status: 4,
             message: "missing.onnx: no such file"),
        Case(name: "model that is a directory", arguments: ["models", "add", "@folder"], status: 1,
             message: "folder: is a directory, expected a model file"),
        Case(name: "unknown field in criteria", arguments: ["config", "put", "@unknown-field.json"], status: 64,
             message: "speed: is not a known field"),
    ]

    /// Arguments starting with @ name files in the test's folder.
    func prepare(_ directory: TemporaryDirectory) throws {
        _ = try directory.write("{\n  \"name\": \"x\",\n}\n", to: "malformed.json")
        try FileManager.default.createDirectory(atPath: directory.path("folder"), withIntermediateDirectories: true)
        guard case .object(var criteria) = try JSONParser.parse(JSONCoding.string(OptimizationCriteria.defaults)) else { return }
        criteria["speed"] = .string("fast")
        _ = try directory.write(JSONValue.object(criteria).prettyPrinted(), to: "unknown-field.json")
    }

    @Test(arguments: cases)
    func clearErrorDocumentedCodeNothingWritten(_ test: Case) async throws {
        let directory = try TemporaryDirectory()
        try prepare(directory)
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        try await optctl.run(["stats"])  // create the store
        let before = try await storeSnapshot(home: optctl.home)
        let arguments = test.arguments.map { $0.hasPrefix("@") ? directory.path(String($0.dropFirst())) : $0 }

        let result = try await optctl.run(arguments)
        #expect(result.status == test.status)
        let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("optctl: error: "))
        #expect(result.stderr.contains(test.message))
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        #expect(try await storeSnapshot(home: optctl.home) == before)

        let json = try await optctl.run(arguments + ["--json"])
        #expect(json.status == test.status)
        let error = try json.json()
        #expect(error["error"]?.stringValue?.isEmpty == false && error["request_id"] != nil && error["timestamp"] != nil)
    }

    @Test func aCorruptDatabaseIsReportedAndLeftByteForByte() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let databasePath = home.appendingPathComponent("optctl.sqlite").path
        var bytes = Data("SQLite format 3\0".utf8)
        bytes.append(Data(repeating: 0xAB, count: 4096))  // right magic, garbage pages
        try bytes.write(to: URL(fileURLWithPath: databasePath))

        let result = try await Optctl(home: home).run(["stats"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("optctl: error: "))
        #expect(result.stderr.contains(databasePath))
        #expect(try Data(contentsOf: URL(fileURLWithPath: databasePath)) == bytes)
    }

    @Test func aNonSQLiteDatabaseFileIsRefusedUntouched() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let databasePath = home.appendingPathComponent("optctl.sqlite").path
        let bytes = Data("these are my notes, not a database\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: databasePath))

        let result = try await Optctl(home: home).run(["sessions", "list"])
        #expect(result.status == 1)
        #expect(result.stderr == "optctl: error: \(databasePath) is not an optctl database (not an SQLite file); move it away or choose another --home\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: databasePath)) == bytes)
        #expect(!FileManager.default.fileExists(atPath: databasePath + "-wal"))
    }

    @Test func aHomeThatIsARegularFileIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let home = try directory.write("not a folder", to: "home")
        let result = try await Optctl(home: URL(fileURLWithPath: home)).run(["stats", "--json"])
        #expect(result.status == 1)
        #expect(result.stderr == "optctl: error: home \(home) is a file, expected a folder (set --home or OPTCTL_HOME)\n")
        #expect(try String(contentsOfFile: home, encoding: .utf8) == "not a folder")
        #expect(try result.json()["error"] == .string("internal_error"))
    }

    @Test func argumentParserUsageErrorsExitSixtyFour() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Optctl(home: directory.url).run(["sessions", "list", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option '--bogus'"))
    }
}
