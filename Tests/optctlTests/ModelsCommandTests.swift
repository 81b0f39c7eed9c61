import Foundation
import OptKit
import Testing

@Suite struct ModelsCommandTests {
    @Test func addThenListAndDeduplicateBySHA256() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let model = directory.path("policy.onnx")
        try writeTinyModel(to: model)
        let copy = directory.path("policy-copy.onnx")
        try FileManager.default.copyItem(atPath: model, toPath: copy)

        let added = try await optctl.run(["models", "add", model, "--name", "arm policy", "--json"])
        #expect(added.status == 0)
        let record = try added.json()
        #expect(record["name"] == .string("arm policy") && record["bytes"]?.doubleValue ?? 0 > 0 && record["format"] == .string("onnx"))
        let id = record["model_id"]?.stringValue ?? ""

        let again = try await optctl.run(["models", "add", copy])
        #expect(again.status == 0)
        #expect(again.stdout == "Already registered as \(id) (arm policy); same sha256.\n")

        let listed = try await optctl.run(["models", "list", "--json"]).json()
        guard case .array(let models)? = listed["models"] else { Issue.record("no models"); return }
        #expect(models.count == 1 && models.first?["path"] == .string(model))
        #expect(try await optctl.run(["stats", "--json"]).json()["total_models"] == .number(1))
        #expect(try await optctl.run(["models", "list", "--quiet"]).stdout == id + "\n")
    }

    @Test func aFileThatIsNotOnnxIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let notes = try directory.write("hello, these are notes", to: "notes.onnx")
        let result = try await optctl.run(["models", "add", notes])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("optctl: error: \(notes)"))
        #expect(try await optctl.run(["models", "list", "--quiet"]).stdout.isEmpty)
    }
}
