import Foundation
import OptKit
import Testing

@Suite struct ConfigCommandTests {
    func criteriaJSON(_ edit: (inout [String: JSONValue]) -> Void) throws -> String {
        guard case .object(var object) = try JSONParser.parse(JSONCoding.string(OptimizationCriteria.defaults)) else {
            return ""
        }
        edit(&object)
        return JSONValue.object(object).prettyPrinted()
    }

    @Test func getPutGetRoundTripsAndBumpsTheVersion() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let initial = try await optctl.run(["config", "get"])
        #expect(initial.status == 0)
        #expect(try initial.json()["version"] == .number(1))

        // Edit what `get` printed and put it back: the version in it makes the write conditional.
        guard case .object(var document) = try initial.json() else { Issue.record("not an object"); return }
        document["name"] = .string("arm-controller")
        let file = try directory.write(JSONValue.object(document).prettyPrinted(), to: "criteria.json")
        let put = try await optctl.run(["config", "put", file])
        #expect(put.status == 0)
        #expect(put.stdout == "Criteria 'arm-controller' stored as version 2.\n")

        // The same file again carries the now stale version 1: a conflict, nothing written.
        let before = try await storeSnapshot(home: optctl.home)
        let stale = try await optctl.run(["config", "put", file, "--json"])
        #expect(stale.status == 3)
        #expect(try stale.json()["error"] == .string("conflict"))
        #expect(stale.stderr.contains("version 1, the current version is 2"))
        #expect(try await storeSnapshot(home: optctl.home) == before)

        let after = try await optctl.run(["config", "get"]).json()
        #expect(after["name"] == .string("arm-controller") && after["version"] == .number(2))
    }

    @Test func putReadsStandardInput() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let json = try criteriaJSON { $0["name"] = .string("from stdin") }
        let result = try await optctl.run(["config", "put", "-", "--json"], input: json)
        #expect(result.status == 0)
        #expect(try result.json()["name"] == .string("from stdin"))
    }

    @Test func validateSaysValidInvalidOrConflictingWithTheRightExitCode() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let valid = try directory.write(try criteriaJSON { _ in }, to: "valid.json")
        #expect(try await optctl.run(["config", "validate", valid]).status == 0)

        let invalid = try directory.write(try criteriaJSON {
            $0["min_accuracy_retention_percent"] = .number(120)
            $0["hardware_target"] = .string("tpu")
        }, to: "invalid.json")
        let invalidResult = try await optctl.run(["config", "validate", invalid, "--json"])
        #expect(invalidResult.status == 64)
        guard case .array(let fields)? = try invalidResult.json()["details"]?["fields"] else {
            Issue.record("no field details"); return
        }
        #expect(fields.compactMap { $0["field"]?.stringValue }.sorted() == ["hardware_target", "min_accuracy_retention_percent"])
        #expect(invalidResult.stderr.contains("  hardware_target: is not a known hardware target"))

        let conflicting = try directory.write(try criteriaJSON {
            $0["hardware_target"] = .string("cortex-m")
            $0["enabled_techniques"] = .array([.string("fp16")])
        }, to: "conflict.json")
        let conflict = try await optctl.run(["config", "validate", conflicting])
        #expect(conflict.status == 3)
        #expect(conflict.stderr.hasPrefix("optctl: error: conflicting criteria: enabled_techniques: cannot run on hardware_target cortex-m"))
    }
}
