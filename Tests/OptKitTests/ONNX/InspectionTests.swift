import Foundation
import Testing
@testable import OptKit

@Suite("Model inspection")
struct InspectionTests {
    typealias P = ProtoBuilder

    static func model() -> Onnx_ModelProto {
        var body = Onnx_GraphProto()
        body.name = "body"
        body.node = [P.node("Identity", ["y"], ["z"])]
        body.output = [P.valueInfo("z", .float, ["batch", 4])]
        var model = P.model(
            nodes: [
                P.node("Constant", [], ["c"], name: "const", attributes: [P.attribute("value", tensor: P.floatTensor("", [1, 2, 3], dims: [3]))]),
                P.node("MatMul", ["x", "w"], ["h"], name: "mm"),
                P.node("Relu", ["h"], ["y"], name: "relu"),
                P.node("NeverAnOpAnywhere", ["y"], ["q"], name: "strange"),
                P.node("If", ["flag"], ["out"], name: "branch", attributes: [P.attribute("then_branch", graph: body), P.attribute("else_branch", graph: body)]),
            ],
            inputs: [P.valueInfo("x", .float, ["batch", 8]), P.valueInfo("flag", .bool, [])],
            outputs: [P.valueInfo("out", .float, ["batch", 4]), P.valueInfo("q", .float, nil)],
            initializers: [P.floatTensor("w", Array(repeating: 0.5, count: 32), dims: [8, 4])],
            opset: 13)
        model.producerName = "pytorch"
        model.metadataProps = [P.entry("task", "policy")]
        var ml = Onnx_OperatorSetIdProto()
        ml.domain = "ai.onnx.ml"
        ml.version = 3
        model.opsetImport.append(ml)
        return model
    }

    @Test func reportSummarizesTheModel() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("policy.onnx")
        let data = try P.serialized(Self.model())
        try data.write(to: url)

        let report = try ModelInspector.inspect(contentsOf: url)
        #expect(report.fileBytes == data.count)
        #expect(report.irVersion == 8)
        #expect(report.producerName == "pytorch")
        #expect(report.opsetImports == [.init(domain: "ai.onnx", version: 13), .init(domain: "ai.onnx.ml", version: 3)])
        #expect(report.inputs.first == .init(name: "x", dtype: "float", shape: [.symbolic("batch"), .fixed(8)]))
        #expect(report.outputs.last == .init(name: "q", dtype: "float", shape: nil))
        #expect(report.nodeCount == 5)
        #expect(report.parameterCount == 32 + 3)
        #expect(report.parameterBytes == (32 + 3) * 4)
        #expect(report.opHistogram.map(\.count).reduce(0, +) == 5)
        #expect(report.unsupportedOps.contains(.init(opType: "NeverAnOpAnywhere", domain: "", count: 1, nodes: ["strange"])))
        #expect(report.subgraphOps == [.init(node: "branch", opType: "If")])
        #expect(!report.runnable)
        #expect(report.problems.isEmpty)
    }

    @Test func jsonUsesSnakeCaseAndSymbolicDimsAsStrings() throws {
        let model = try Model(serializedData: P.serialized(Self.model()))
        let report = ModelInspector.report(for: model, path: "policy.onnx", modelFileBytes: 100)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        for key in ["\"file_bytes\":", "\"ir_version\":", "\"opset_imports\":", "\"op_histogram\":", "\"parameter_count\":", "\"unsupported_ops\":", "\"subgraph_ops\":", "\"op_type\":"] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(json.contains("\"shape\":[\"batch\",8]"))
        let decoded = try JSONDecoder().decode(ModelReport.self, from: Data(json.utf8))
        #expect(decoded == report)
    }
}
