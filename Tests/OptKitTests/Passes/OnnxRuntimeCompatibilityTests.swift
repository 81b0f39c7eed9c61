import Foundation
import Testing
@testable import OptKit

/// Every model the passes produce loads and runs in onnxruntime, its outputs there are close to
/// the float32 model's, and where our engine can run the produced model the two runtimes agree.
/// Needs scripts/python-env (onnx, onnxruntime); fails with the reason when it cannot be made,
/// unless OPTCTL_SKIP_ONNXRUNTIME=1.
@Suite struct OnnxRuntimeCompatibilityTests {
    struct Case {
        var label: String
        var model: Model
        var feeds: [String: Tensor]
        /// The float32 model's outputs (our engine, or the test data's expected outputs).
        var reference: [String: Tensor]
        /// Largest relative L2 error allowed against the reference.
        var bound: Double
    }

    static let configurations: [(technique: String, parameters: [String: JSONValue], bound: Double)] = [
        ("simplify", [:], 1e-5),
        ("fp16", [:], 1e-3),
        ("quantize-int8-dynamic", ["format": .string("qoperator")], 0.05),
        ("quantize-int8-dynamic", ["format": .string("qdq")], 0.05),
        ("quantize-int8-dynamic", ["format": .string("qoperator"), "per_channel": .bool(false)], 0.05),
        ("quantize-int8", ["format": .string("qdq")], 0.05),
        ("quantize-int8", ["format": .string("qoperator")], 0.05),
        ("quantize-int8", ["format": .string("qdq"), "per_channel": .bool(false), "symmetric_activations": .bool(true)], 0.08),
        ("quantize-int8", ["format": .string("qoperator"), "method": .string("percentile")], 0.08),
        ("quantize-int8", ["format": .string("qdq"), "method": .string("entropy")], 0.08),
    ]

    func cases() async throws -> [Case] {
        var cases: [Case] = []
        for name in exampleNames {
            let model = try exampleModel(name)
            let calibration = try exampleCalibration(name, model: model)
            let sample = try #require(try await collect(try exampleTestData(name, model: model)).first)
            let reference = try #require(sample.expectedOutputs)
            for configuration in Self.configurations {
                let (optimized, _) = try await applying(configuration.technique, configuration.parameters, to: model, context: context(calibration: calibration))
                cases.append(Case(
                    label: "\(name) \(configuration.technique) \(configuration.parameters)", model: optimized, feeds: sample.inputs,
                    reference: reference, bound: configuration.bound))
            }
        }
        // Small graphs: Constant weights, BatchNormalization with a huge variance, an old opset.
        for (label, model, shape) in [("conv_bn", convBatchNormGraph(), [2, 3, 8, 8]), ("mlp opset 11", mlpGraph(opset: 11), [3, 16])] {
            let feeds = ["x": randomTensor(shape, seed: 77)]
            let reference = try runEngine(model, feeds)
            let calibration = randomSamples(8, shape: [1] + shape.dropFirst(), seed: 300)
            for configuration in Self.configurations {
                let (optimized, _) = try await applying(configuration.technique, configuration.parameters, to: model, context: context(calibration: calibration))
                cases.append(Case(label: "\(label) \(configuration.technique) \(configuration.parameters)", model: optimized, feeds: feeds, reference: reference, bound: max(configuration.bound, 0.1)))
            }
        }
        return cases
    }

    @Test func everyProducedModelRunsInOnnxRuntimeCloseToFloat32() async throws {
        if OnnxRuntime.skipped { return }
        let cases = try await cases()
        let outputs: [[String: Tensor]]
        do {
            outputs = try OnnxRuntime.run(cases.map { ($0.model, $0.feeds) })
        } catch {
            Issue.record("onnxruntime: \(error)")
            return
        }
        for (item, result) in zip(cases, outputs) {
            for (name, expected) in item.reference {
                guard let actual = result[name] else {
                    Issue.record("\(item.label): onnxruntime gave no output '\(name)'")
                    continue
                }
                #expect(actual.dataType == .float && actual.shape == expected.shape, "\(item.label): \(name) is \(actual.dataType) \(actual.shape)")
                let error = relativeL2(actual, expected)
                #expect(error < item.bound, "\(item.label): relative L2 \(error) against float32 exceeds \(item.bound)")
            }
            // Where our engine runs the produced model too, the two runtimes agree.
            if let ours = try? runEngine(item.model, item.feeds) {
                for (name, theirs) in result {
                    guard let mine = ours[name] else { continue }
                    #expect(relativeL2(mine, theirs) < 1e-4, "\(item.label): our engine and onnxruntime differ on \(name)")
                }
            }
        }
    }
}
