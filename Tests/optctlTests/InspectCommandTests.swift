import Foundation
import OptKit
import Testing

@Suite struct InspectCommandTests {
    @Test func reportsInterfaceOpsAndRunnability() async throws {
        let directory = try TemporaryDirectory()
        let model = directory.path("tiny.onnx")
        try writeTinyModel(to: model)
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))

        let json = try await optctl.run(["inspect", model, "--json"]).json()
        #expect(json["runnable"] == .bool(true))
        #expect(json["inputs"] == .array([.object(["name": .string("x"), "dtype": .string("float"),
                                                    "shape": .array([.string("batch"), .number(4)])])]))
        #expect(json["op_histogram"] == .array([.object(["op_type": .string("Relu"), "domain": .string(""),
                                                          "count": .number(1), "runnable": .bool(true)])]))

        let human = try await optctl.run(["inspect", model])
        #expect(human.status == 0)
        #expect(human.stdout.contains("input   x     float  [batch, 4]"))
    }

    @Test func badModelFilesGiveTheDocumentedCodes() async throws {
        let directory = try TemporaryDirectory()
        let optctl = Optctl(home: directory.url.appendingPathComponent("home"))
        let missing = try await optctl.run(["inspect", directory.path("missing.onnx")])
        #expect(missing.status == 4 && missing.stderr.hasPrefix("optctl: error: model file not found"))

        let garbage = try directory.write("definitely not protobuf \u{1}\u{2}\u{3}", to: "garbage.onnx")
        let bad = try await optctl.run(["inspect", garbage, "--json"])
        #expect(bad.status == 65)
        #expect(try bad.json()["error"] == .string("validation_error"))
    }
}
