import Foundation
import Testing
@testable import OptKit

@Suite struct DynamicQuantizationPassTests {
    @Test func qoperatorFormUsesIntegerMatMulsScaledBackToFloat() async throws {
        let (quantized, report) = try await applying("quantize-int8-dynamic", to: mlpGraph())
        let ops = opCounts(quantized.graph)
        #expect(ops["MatMulInteger"] == 2)
        #expect(ops["DynamicQuantizeLinear"] == 2)
        #expect(ops["Gemm"] == nil)
        #expect(ops["MatMul"] == nil)
        #expect(ops["Cast"] == 2)
        let integer = quantized.graph.nodes.filter { $0.opType == "MatMulInteger" }
        for node in integer {
            #expect(quantized.graph.initializers[node.inputs[1]]?.dataType == .int8)
        }
        #expect(quantized.graph.outputs.map(\.name) == ["y"])
        #expect(quantized.validate(checkKernels: false).isEmpty)
        #expect(report.summary.contains("2 of 2 nodes"))
    }

    @Test func convBecomesConvIntegerWithPerChannelScalesAndBias() async throws {
        let (quantized, _) = try await applying("quantize-int8-dynamic", to: convBatchNormGraph())
        let ops = opCounts(quantized.graph)
        #expect(ops["ConvInteger"] == 2)
        #expect(ops["BatchNormalization"] == nil)
        let conv = try #require(quantized.graph.nodes.first { $0.opType == "ConvInteger" && $0.name == "conv1" })
        #expect(conv.inputs.count == 3)  // no weight zero point: symmetric weights, scalar-only in onnxruntime
        #expect(conv.attributes["pads"] != nil)
        #expect(quantized.opset == 17)
        #expect(quantized.validate(checkKernels: false).isEmpty)
    }

    @Test func qdqFormPutsDequantizeLinearBeforeTheFloatOps() async throws {
        let (quantized, _) = try await applying("quantize-int8-dynamic", ["format": .string("qdq")], to: mlpGraph(opset: 11))
        let ops = opCounts(quantized.graph)
        #expect(ops["Gemm"] == 1)
        #expect(ops["MatMul"] == 1)
        #expect(ops["DynamicQuantizeLinear"] == 2)
        #expect(ops["DequantizeLinear"] == 4)
        #expect(quantized.opset == 13)
        #expect(quantized.validate(checkKernels: false).isEmpty)
    }

    @Test func perTensorQOperatorNeedsOnlyOpset11() async throws {
        var model = mlpGraph(opset: 10)
        model.graph.nodes[1] = Node(name: "act", opType: "Clip", inputs: ["h"], outputs: ["t"], attributes: ["min": .float(-1), "max": .float(1)])
        let (quantized, _) = try await applying("quantize-int8-dynamic", ["per_channel": .bool(false)], to: model)
        #expect(quantized.opset == 11)
        let clip = try #require(quantized.graph.nodes.first { $0.opType == "Clip" })
        #expect(clip.attributes["min"] == nil)
        #expect(clip.inputs.count == 3)
        #expect(quantized.validate(checkKernels: false).isEmpty)
    }

    @Test func opTypesSelectWhatIsQuantized() async throws {
        let (quantized, report) = try await applying("quantize-int8-dynamic", ["op_types": .array([.string("MatMul")])], to: mlpGraph())
        #expect(opCounts(quantized.graph)["Gemm"] == 1)
        #expect(opCounts(quantized.graph)["MatMulInteger"] == 1)
        #expect(report.details["skipped_nodes"] == .array([.object(["node": .string("fc1"), "op_type": .string("Gemm"), "reason": .string("op type Gemm not in op_types")])]))
    }

    @Test(arguments: exampleNames)
    func quantizesEveryWeightedLayerOfTheExamples(_ name: String) async throws {
        let model = try exampleModel(name)
        for format in ["qoperator", "qdq"] {
            let (quantized, _) = try await applying("quantize-int8-dynamic", ["format": .string(format)], to: model)
            let floatWeights = quantized.graph.initializers.values.filter { $0.dataType == .float && $0.count > 512 }
            #expect(floatWeights.isEmpty, "\(name) \(format)")
            #expect(quantized.validate(checkKernels: false).isEmpty, "\(name) \(format)")
            #expect(try quantized.serializedData().count * 3 < (try model.serializedData()).count, "\(name) \(format)")
        }
    }
}
