import Foundation
import Testing
@testable import OptKit

@Suite struct StaticQuantizationPassTests {
    let calibration = randomSamples(6, shape: [1, 3, 8, 8])

    @Test func qdqFormQuantizesEveryConvWithPerChannelWeightsAndInt32Bias() async throws {
        let model = convBatchNormGraph()
        let (quantized, report) = try await applying("quantize-int8", to: model, context: context(calibration: calibration))
        let graph = quantized.graph
        let ops = opCounts(graph)
        #expect(ops["Conv"] == 2)
        #expect(ops["BatchNormalization"] == nil)
        #expect(ops["Constant"] == nil)
        #expect((ops["QuantizeLinear"] ?? 0) >= 2)
        #expect(quantized.opset >= 13)
        // Every Conv reads its data and weight through DequantizeLinear; weights are int8
        // per channel (axis 0), biases int32.
        let producers = graph.producers()
        for conv in graph.nodes where conv.opType == "Conv" {
            let dq = try #require(producers[conv.inputs[1]].map { graph.nodes[$0] })
            #expect(dq.opType == "DequantizeLinear")
            #expect(graph.initializers[dq.inputs[0]]?.dataType == .int8)
            #expect(graph.initializers[dq.inputs[1]]?.rank == 1)
            if case .int(let axis)? = dq.attributes["axis"] { #expect(axis == 0) } else { Issue.record("no axis on a per-channel DequantizeLinear") }
            #expect(producers[conv.inputs[0]].map { graph.nodes[$0].opType } == "DequantizeLinear")
            if conv.inputs.count > 2 {
                let biasDQ = try #require(producers[conv.inputs[2]].map { graph.nodes[$0] })
                #expect(graph.initializers[biasDQ.inputs[0]]?.dataType == .int32)
            }
        }
        // The Relu between the two Convs is quantized at its output (the DQ -> Conv -> Relu -> Q pattern).
        let relu = try #require(graph.nodes.first { $0.opType == "Relu" })
        #expect(graph.readers(of: relu.outputs[0]).map { graph.nodes[$0].opType } == ["QuantizeLinear"])
        #expect(graph.outputs.map(\.name) == ["y"])
        #expect(graph.initializers.values.filter { $0.dataType == .float }.allSatisfy { $0.count <= 4 })
        #expect(quantized.validate(checkKernels: false).isEmpty)
        #expect(report.details["calibration"]?["samples"] == .number(6))
        #expect(report.details["calibration"]?["synthetic"] == .bool(false))
        #expect(report.summary.contains("2 of 2 nodes"))
    }

    @Test func qoperatorFormUsesQLinearOpsAndAbsorbsTheRelu() async throws {
        let (quantized, _) = try await applying("quantize-int8", ["format": .string("qoperator")], to: convBatchNormGraph(), context: context(calibration: calibration))
        let ops = opCounts(quantized.graph)
        #expect(ops["QLinearConv"] == 2)
        #expect(ops["Conv"] == nil)
        #expect(ops["Relu"] == nil)
        #expect(ops["QuantizeLinear"] == 1)
        #expect(ops["DequantizeLinear"] == 1)
        #expect(quantized.graph.outputs.map(\.name) == ["y"])
        let conv = try #require(quantized.graph.nodes.first { $0.opType == "QLinearConv" })
        #expect(conv.inputs.count == 9)
        #expect(quantized.graph.initializers[conv.inputs[8]]?.dataType == .int32)
        #expect(quantized.validate(checkKernels: false).isEmpty)
    }

    @Test func qoperatorTurnsGemmIntoQLinearMatMulWithTheBiasInFloat() async throws {
        let samples = randomSamples(4, shape: [2, 16])
        let (quantized, _) = try await applying("quantize-int8", ["format": .string("qoperator")], to: mlpGraph(), context: context(calibration: samples))
        let ops = opCounts(quantized.graph)
        #expect(ops["QLinearMatMul"] == 2)
        #expect(ops["Gemm"] == nil)
        #expect(ops["Add"] == 2)
        #expect(quantized.validate(checkKernels: false).isEmpty)
    }

    @Test func symmetricActivationsUseInt8ZeroPointsOfZero() async throws {
        let (quantized, _) = try await applying("quantize-int8", ["symmetric_activations": .bool(true)], to: convBatchNormGraph(), context: context(calibration: calibration))
        let zeroPoints = quantized.graph.nodes.filter { $0.opType == "QuantizeLinear" }.compactMap { quantized.graph.initializers[$0.inputs[2]] }
        #expect(!zeroPoints.isEmpty)
        for zeroPoint in zeroPoints {
            #expect(zeroPoint.dataType == .int8)
            #expect(zeroPoint.elements(Int8.self) == [0])
        }
    }

    @Test func perTensorWeightsKeepTheOpsetAndHaveScalarScales() async throws {
        let (quantized, _) = try await applying("quantize-int8", ["per_channel": .bool(false)], to: mlpGraph(opset: 11), context: context(calibration: randomSamples(3, shape: [1, 16])))
        #expect(quantized.opset == 11)
        for dq in quantized.graph.nodes where dq.opType == "DequantizeLinear" {
            #expect(dq.attributes["axis"] == nil)
            #expect(quantized.graph.initializers[dq.inputs[1]]?.rank == 0)
        }
    }

    @Test func perChannelQDQRaisesAnOldOpsetTo13() async throws {
        let (quantized, report) = try await applying("quantize-int8", to: mlpGraph(opset: 11), context: context(calibration: randomSamples(3, shape: [1, 16])))
        #expect(quantized.opset == 13)
        #expect(quantized.validate(checkKernels: false).isEmpty)
        #expect(report.details["opset"] == .array([.string("opset raised from 11 to 13")]))
    }

    @Test func excludedNodesAndOpTypesStayFloatWithTheReason() async throws {
        let (quantized, report) = try await applying(
            "quantize-int8", ["exclude_nodes": .array([.string("conv2")])], to: convBatchNormGraph(),
            context: context(calibration: calibration))
        let conv2 = try #require(quantized.graph.nodes.first { $0.name == "conv2" })
        #expect(quantized.graph.initializers[conv2.inputs[1]]?.dataType == .float)
        #expect(report.details["skipped_nodes"] == .array([.object(["node": .string("conv2"), "op_type": .string("Conv"), "reason": .string("excluded by name")])]))

        let (byType, typeReport) = try await applying("quantize-int8", to: mlpGraph(), context: context(calibration: randomSamples(2, shape: [1, 16]), excludedOpTypes: ["MatMul"]))
        #expect(opCounts(byType.graph)["DequantizeLinear"] == 3)  // the Gemm's data, weight and bias
        #expect(typeReport.summary.contains("1 of 2 nodes"))
    }

    @Test func withoutCalibrationDataItUsesSyntheticSamplesAndSaysSo() async throws {
        let (quantized, report) = try await applying("quantize-int8", to: convBatchNormGraph(), context: context())
        #expect(opCounts(quantized.graph)["QuantizeLinear"] != nil)
        #expect(report.details["calibration"]?["synthetic"] == .bool(true))
        #expect(report.summary.contains("SYNTHETIC"))
        #expect(report.warnings.contains { $0.contains("no calibration data given") })
    }

    @Test func reportsProgressPerSampleAndStopsWhenCancelled() async throws {
        let seen = Counter()
        let counting = ProgressReporter { _, detail in if detail.hasPrefix("calibration sample") { seen.increment() } }
        var ctx = context(calibration: calibration)
        ctx.progress = counting
        _ = try await applying("quantize-int8", to: convBatchNormGraph(), context: ctx)
        #expect(seen.value == 6)

        let cancelling = ProgressReporter { _, detail in if detail.hasPrefix("calibration sample 2") { throw CancellationError() } }
        ctx.progress = cancelling
        var model = convBatchNormGraph()
        let before = try model.serializedData()
        await #expect(throws: CancellationError.self) {
            try await makePass("quantize-int8").apply(to: &model, context: ctx)
        }
        #expect(try model.serializedData() == before)
    }

    /// Calibration streams: when sample k is reported, the samples before it have been freed,
    /// so memory is one sample plus the histograms however large the set.
    @Test(arguments: ["minmax", "entropy"])
    func calibrationHoldsOneSampleAtATime(_ method: String) async throws {
        let source = TrackedSampleSource(count: 12, shape: [1, 3, 8, 8])
        let largest = Counter()
        var ctx = context(calibration: source)
        ctx.progress = ProgressReporter { _, detail in
            if detail.hasPrefix("calibration sample") { largest.raise(to: source.liveSamples) }
        }
        let (_, report) = try await applying("quantize-int8", ["method": .string(method)], to: convBatchNormGraph(), context: ctx)
        #expect(report.details["calibration"]?["samples"] == .number(12))
        #expect(source.produced == 24)  // read twice: checked in full first, then calibrated
        #expect(largest.value >= 1 && largest.value <= 2, "\(largest.value) samples alive at once")
    }

    @Test(arguments: ["minmax", "percentile", "entropy"])
    func everyMethodQuantizesTheExamples(_ method: String) async throws {
        let model = try exampleModel("mlp_policy")
        let (quantized, report) = try await applying("quantize-int8", ["method": .string(method)], to: model, context: context(calibration: try exampleCalibration("mlp_policy", model: model)))
        #expect(opCounts(quantized.graph)["Gemm"] == 3)
        #expect(report.details["calibration"]?["method"] == .string(method))
        #expect(report.details["calibration"]?["samples"] == .number(16))
        #expect(try quantized.serializedData().count * 3 < (try model.serializedData()).count)
    }

    @Test(arguments: exampleNames)
    func quantizesEveryWeightedLayerOfTheExamples(_ name: String) async throws {
        let model = try exampleModel(name)
        for format in ["qdq", "qoperator"] {
            let (quantized, report) = try await applying("quantize-int8", ["format": .string(format)], to: model, context: context(calibration: try exampleCalibration(name, model: model)))
            let floatWeights = quantized.graph.initializers.values.filter { $0.dataType == .float && $0.count > 512 }
            #expect(floatWeights.isEmpty, "\(name) \(format): float weights left")
            #expect(quantized.validate(checkKernels: false).isEmpty, "\(name) \(format)")
            #expect(try quantized.serializedData().count * 3 < (try model.serializedData()).count, "\(name) \(format)")
            #expect(report.warnings.isEmpty, "\(name) \(format): \(report.warnings)")
        }
    }
}

/// A counter progress closures can bump.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
    func raise(to value: Int) { lock.withLock { count = max(count, value) } }
}

/// Random samples made on demand, with a weak reference to each one's storage so a test can
/// see how many the consumer still holds.
final class TrackedSampleSource: SampleSource, @unchecked Sendable {
    private struct Weak { weak var storage: TensorStorage? }
    private let lock = NSLock()
    private var made: [Weak] = []
    let total: Int
    let shape: [Int]

    init(count: Int, shape: [Int]) {
        total = count
        self.shape = shape
    }

    var description: String { "\(total) tracked samples" }
    var isSynthetic: Bool { false }
    var count: Int? { total }
    func fingerprint() async throws -> String { "" }
    var produced: Int { lock.withLock { made.count } }
    var liveSamples: Int { lock.withLock { made.filter { $0.storage != nil }.count } }

    func samples() -> AsyncThrowingStream<Sample, any Error> {
        sampleStream(0) { [self] index in
            guard index < total else { return nil }
            let tensor = randomTensor(shape, seed: 500 + UInt64(index))
            lock.withLock { made.append(Weak(storage: tensor.storage)) }
            index += 1
            return Sample(name: "tracked \(index - 1)", inputs: ["x": tensor])
        }
    }
}
