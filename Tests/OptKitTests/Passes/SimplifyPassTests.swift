import Foundation
import Testing
@testable import OptKit

@Suite struct SimplifyPassTests {
    @Test func foldsBatchNormAndPromotesConstantWeightsWithoutChangingOutputs() async throws {
        let model = convBatchNormGraph()
        let (simplified, report) = try await applying("simplify", to: model)
        let ops = opCounts(simplified.graph)
        #expect(ops["BatchNormalization"] == nil)
        #expect(ops["Constant"] == nil)
        #expect(ops["Conv"] == 2)
        #expect(simplified.graph.initializers.values.allSatisfy { $0.dataType == .float })
        // The symbolic batch dim survives.
        #expect(simplified.graph.inputs[0].type?.shape?.first == .symbolic("batch"))
        let x = randomTensor([2, 3, 8, 8], seed: 9)
        let before = try runEngine(model, ["x": x])["y"]!
        let after = try runEngine(simplified, ["x": x])["y"]!
        #expect(relativeL2(after, before) < 1e-5)
        #expect(report.summary.contains("1 BatchNormalization folded"))
        #expect(report.summary.contains("1 Constant weight made initializers"))
    }

    @Test func foldsConstantSubgraphsOnTheEngineAndRemovesIdentityAndDeadNodes() async throws {
        var graph = Graph(name: "folding")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("n"), .fixed(4)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        graph.initializers = ["a": Tensor([1, 2, 3, 4] as [Float], shape: [4]), "b": Tensor([2] as [Float], shape: [])]
        graph.nodes = [
            Node(name: "scale", opType: "Mul", inputs: ["a", "b"], outputs: ["ab"]),
            Node(name: "shift", opType: "Sqrt", inputs: ["ab"], outputs: ["s"]),
            Node(name: "copy", opType: "Identity", inputs: ["x"], outputs: ["xc"]),
            Node(name: "drop", opType: "Dropout", inputs: ["xc"], outputs: ["xd"]),
            Node(name: "unused", opType: "Neg", inputs: ["x"], outputs: ["nothing"]),
            Node(name: "add", opType: "Add", inputs: ["xd", "s"], outputs: ["sum"]),
            Node(name: "out", opType: "Identity", inputs: ["sum"], outputs: ["y"]),
        ]
        let model = Model(graph: graph, opsetImports: ["": 17])
        let (simplified, report) = try await applying("simplify", to: model)
        #expect(opCounts(simplified.graph) == ["Add": 1])
        #expect(simplified.graph.outputs.map(\.name) == ["y"])
        let x = randomTensor([3, 4], seed: 2)
        #expect(maxAbsDifference(try runEngine(simplified, ["x": x])["y"]!, try runEngine(model, ["x": x])["y"]!) == 0)
        #expect(report.details["constant_folded_nodes"] == .array([.string("scale"), .string("shift")]))
    }

    @Test func foldsBatchNormIntoGemmAndMatMulAdd() async throws {
        var graph = Graph(name: "dense_bn")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(5), .fixed(6)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        graph.initializers = [
            "w": randomTensor([4, 6], seed: 3), "c": randomTensor([4], seed: 4),
            "w2": randomTensor([4, 3], seed: 5), "c2": randomTensor([3], seed: 6),
            "g": Tensor([1, 2, 0.5, 1], shape: [4]), "be": Tensor([0, 1, 0, -1] as [Float], shape: [4]),
            "m": Tensor([0.1, 0.2, 0.3, 0.4], shape: [4]), "v": Tensor([1, 4, 0.25, 9], shape: [4]),
            "g2": Tensor([1, 2, 3] as [Float], shape: [3]), "be2": Tensor([0, 1, 2] as [Float], shape: [3]),
            "m2": Tensor([0, 0.5, 1], shape: [3]), "v2": Tensor([2, 2, 2] as [Float], shape: [3]),
        ]
        graph.nodes = [
            Node(name: "gemm", opType: "Gemm", inputs: ["x", "w", "c"], outputs: ["g_out"], attributes: ["transB": .int(1)]),
            Node(name: "bn_gemm", opType: "BatchNormalization", inputs: ["g_out", "g", "be", "m", "v"], outputs: ["h"]),
            Node(name: "mm", opType: "MatMul", inputs: ["h", "w2"], outputs: ["mm_out"]),
            Node(name: "bias", opType: "Add", inputs: ["mm_out", "c2"], outputs: ["a_out"]),
            Node(name: "bn_mm", opType: "BatchNormalization", inputs: ["a_out", "g2", "be2", "m2", "v2"], outputs: ["y"]),
        ]
        let model = Model(graph: graph, opsetImports: ["": 17])
        let (simplified, _) = try await applying("simplify", to: model)
        #expect(opCounts(simplified.graph) == ["Gemm": 1, "MatMul": 1, "Add": 1])
        let x = randomTensor([5, 6], seed: 8)
        #expect(relativeL2(try runEngine(simplified, ["x": x])["y"]!, try runEngine(model, ["x": x])["y"]!) < 1e-5)
    }

    @Test(arguments: exampleNames)
    func keepsExampleOutputs(_ name: String) async throws {
        let model = try exampleModel(name)
        let (simplified, _) = try await applying("simplify", to: model)
        #expect(simplified.validate().isEmpty)
        for sample in try await collect(try exampleTestData(name, model: model)) {
            let expected = try #require(sample.expectedOutputs?.values.first)
            let output = try #require(try runEngine(simplified, sample.inputs).values.first)
            #expect(relativeL2(output, expected) < 1e-5, "\(name) \(sample.name)")
        }
        if name == "cnn_encoder" {
            #expect(opCounts(simplified.graph)["BatchNormalization"] == nil)
        }
        if name == "transformer_encoder" {
            #expect(opCounts(simplified.graph)["Constant"] == nil)
        }
    }
}
