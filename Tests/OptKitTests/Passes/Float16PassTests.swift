import Foundation
import Testing
@testable import OptKit

@Suite struct Float16PassTests {
    @Test func weightsAndOpsBecomeFloat16WithFloat32AtTheBoundary() async throws {
        let model = convBatchNormGraph()
        let (converted, report) = try await applying("fp16", to: model, context: context(calibration: randomSamples(2, shape: [1, 3, 8, 8])))
        let graph = converted.graph
        #expect(opCounts(graph)["BatchNormalization"] == nil)  // folded first: its 1e8 variance never meets float16
        let weights = graph.initializers.values.filter { $0.count > 1 }
        #expect(!weights.isEmpty)
        #expect(weights.allSatisfy { $0.dataType == .float16 })
        for tensor in graph.initializers.values where tensor.dataType == .float16 {
            #expect(tensor.elements(UInt16.self).allSatisfy { $0 & 0x7c00 != 0x7c00 }, "NaN or infinity in a float16 weight")
        }
        #expect(graph.inputs[0].type?.dataType == .float)
        #expect(graph.outputs[0].name == "y")
        // The input is cast to float16 once, the output back to float32 under its own name.
        let casts = graph.nodes.filter { $0.opType == "Cast" }
        #expect(casts.count == 2)
        #expect(casts.contains { $0.inputs == ["x"] && $0.attributes["to"].map { if case .int(10) = $0 { true } else { false } } == true })
        #expect(casts.contains { $0.outputs == ["y"] })
        #expect(converted.validate(checkKernels: false).isEmpty)
        #expect(report.summary.contains("inputs and outputs stay float32"))
    }

    @Test func keepsOutOfRangeConstantsAndActivationsInFloat32() async throws {
        var graph = Graph(name: "ranges")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(2), .fixed(4)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        graph.initializers = ["big": Tensor([1e6], shape: []), "k": Tensor([300] as [Float], shape: []), "small": Tensor([1e-6], shape: [])]
        graph.nodes = [
            Node(name: "times_big", opType: "Mul", inputs: ["x", "big"], outputs: ["a"]),
            Node(name: "back", opType: "Mul", inputs: ["a", "small"], outputs: ["b"]),
            Node(name: "k1", opType: "Mul", inputs: ["b", "k"], outputs: ["c"]),
            Node(name: "k2", opType: "Mul", inputs: ["c", "k"], outputs: ["d"]),
            Node(name: "squash", opType: "Tanh", inputs: ["x"], outputs: ["e"]),
            Node(name: "sum", opType: "Add", inputs: ["d", "e"], outputs: ["y"]),
        ]
        let model = Model(graph: graph, opsetImports: ["": 17])
        let samples = ArraySampleSource(items: [Sample(name: "ones", inputs: ["x": Tensor([Float](repeating: 1, count: 8), shape: [2, 4])])])
        let (converted, report) = try await applying("fp16", to: model, context: context(calibration: samples))
        guard case .array(let kept)? = report.details["kept_fp32"] else { Issue.record("no kept_fp32"); return }
        let keptNames = kept.compactMap { $0["node"]?.stringValue }
        #expect(keptNames.contains("times_big"))  // the constant 1e6 and its product overflow float16
        #expect(keptNames.contains("k2"))  // its output, 9e4, would overflow
        #expect(keptNames.contains("sum"))
        #expect(!keptNames.contains("squash"))
        #expect(converted.graph.initializers["big"]?.dataType == .float)
        // Our engine runs element-wise float16 ops: the result matches float32 closely.
        let x = randomTensor([2, 4], seed: 5)
        let expected = try runEngine(model, ["x": x])["y"]!
        let actual = try runEngine(converted, ["x": x])["y"]!
        #expect(actual.dataType == .float)
        #expect(relativeL2(actual, expected) < 1e-3)
    }

    @Test func keepListAndExclusionsStayFloat32() async throws {
        let (converted, report) = try await applying(
            "fp16", ["keep_fp32_op_types": .array([.string("Tanh")]), "keep_fp32_nodes": .array([.string("bias2")])], to: mlpGraph())
        let tanh = try #require(converted.graph.nodes.first { $0.opType == "Tanh" })
        let producers = converted.graph.producers()
        #expect(producers[tanh.inputs[0]].map { converted.graph.nodes[$0].opType } == "Cast")
        #expect(converted.graph.initializers["b2"]?.dataType == .float)
        #expect(converted.validate(checkKernels: false).isEmpty)
        #expect(report.details["kept_fp32"].map { if case .array(let items) = $0 { items.count } else { 0 } } == 2)
    }

    @Test(arguments: exampleNames)
    func halvesTheExamples(_ name: String) async throws {
        let model = try exampleModel(name)
        let (converted, report) = try await applying("fp16", to: model, context: context(calibration: try exampleCalibration(name, model: model)))
        let ratio = Double(try converted.serializedData().count) / Double(try model.serializedData().count)
        #expect(ratio < 0.55, "\(name): \(ratio)")
        #expect(ratio > 0.45, "\(name): \(ratio)")
        #expect(converted.validate(checkKernels: false).isEmpty)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(converted.graph.inputs.allSatisfy { $0.type?.dataType == .float })
    }

    /// The per-layer sensitivity step: with the default budget the CNN's first Conv (its weights
    /// carry the folded input normalisation) stays float32 and every layer's figure is reported;
    /// a budget of 0 turns the step off.
    @Test func sensitiveLayersStayFloat32WithinTheErrorBudget() async throws {
        let model = try exampleModel("cnn_encoder")
        let calibration = try exampleCalibration("cnn_encoder", model: model)
        let (_, report) = try await applying("fp16", to: model, context: context(calibration: calibration))
        guard case .array(let kept)? = report.details["kept_fp32"], case .array(let measured)? = report.details["weight_sensitivity"] else {
            Issue.record("no kept_fp32 or weight_sensitivity")
            return
        }
        #expect(measured.count >= 4)
        let budgetKept = kept.filter { $0["reason"]?.stringValue?.contains("error budget") == true }
        #expect(budgetKept.compactMap { $0["node"]?.stringValue } == ["/encoder.0/conv/Conv"])
        // The rest's estimated error, sqrt of the sum of squares, is within the budget.
        let rest = measured.filter { $0["node"] != .string("/encoder.0/conv/Conv") }.compactMap { $0["relative_l2"]?.doubleValue }
        #expect(rest.reduce(0) { $0 + $1 * $1 }.squareRoot() <= 5e-4)

        let (_, off) = try await applying("fp16", ["error_budget": .number(0)], to: model, context: context(calibration: calibration))
        #expect(off.details["weight_sensitivity"] == .array([]))
        #expect(off.details["kept_fp32"] == .array([]))
    }
}
