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
        /// Largest relative L2 difference allowed between our engine's and onnxruntime's
        /// outputs for the same produced model: int8 rounding may differ by one step where a
        /// value falls between two levels, float16 accumulation order differs.
        var agreement: Double
    }

    static func agreement(_ technique: String) -> Double {
        switch technique {
        case "simplify": 1e-5
        case "fp16": 2e-3
        default: 0.03
        }
    }

    /// Whether the engine failed for want of a kernel, which the comparison waits for (a
    /// skip): an op it has no kernel for (refused at preparation), or a float16 tensor reaching
    /// a float32-only kernel (float kernels check element types when they run). Any other
    /// failure is a bug in the pass or the engine.
    static func lacksKernel(_ error: EngineError) -> Bool {
        switch error {
        case .unsupportedOp: true
        case .invalidInput(_, let message): message.contains("float16")
        default: false
        }
    }

    /// " format=qdq per_channel=false", for labels.
    static func text(_ parameters: [String: JSONValue]) -> String {
        parameters.sorted { $0.key < $1.key }.map { key, value in
            switch value {
            case .string(let text): " \(key)=\(text)"
            case .bool(let flag): " \(key)=\(flag)"
            default: " \(key)=\(value)"
            }
        }.joined()
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
                    label: "\(name) \(configuration.technique)\(Self.text(configuration.parameters))", model: optimized, feeds: sample.inputs,
                    reference: reference, bound: configuration.bound, agreement: Self.agreement(configuration.technique)))
            }
        }
        // Small graphs: Constant weights, BatchNormalization with a huge variance, an old opset.
        for (label, model, shape) in [("conv_bn", convBatchNormGraph(), [2, 3, 8, 8]), ("mlp opset 11", mlpGraph(opset: 11), [3, 16])] {
            let feeds = ["x": randomTensor(shape, seed: 77)]
            let reference = try runEngine(model, feeds)
            let calibration = randomSamples(8, shape: [1] + shape.dropFirst(), seed: 300)
            for configuration in Self.configurations {
                let (optimized, _) = try await applying(configuration.technique, configuration.parameters, to: model, context: context(calibration: calibration))
                cases.append(Case(label: "\(label) \(configuration.technique)\(Self.text(configuration.parameters))", model: optimized, feeds: feeds, reference: reference, bound: max(configuration.bound, 0.1),
                    agreement: Self.agreement(configuration.technique)))
            }
        }
        return cases
    }

    @Test func everyProducedModelRunsInOnnxRuntimeCloseToFloat32() async throws {
        if OnnxRuntime.skipped { return }
        let cases = try await cases()
        var notRunByEngine: [String] = []
        var compared = 0
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
            let executor: Executor
            do {
                executor = try Executor(graph: item.model.graph, opsets: item.model.opsetImports, threads: 1)
            } catch {
                if Self.lacksKernel(error) {
                    notRunByEngine.append("\(item.label): \(error)")
                } else {
                    Issue.record("\(item.label): our engine refuses the produced model: \(error)")
                }
                continue
            }
            let ours: [String: Tensor]
            do {
                ours = try executor.run(item.feeds)
            } catch {
                if Self.lacksKernel(error) {
                    notRunByEngine.append("\(item.label): \(error)")
                } else {
                    Issue.record("\(item.label): our engine prepared the model but failed to run it: \(error)")
                }
                continue
            }
            compared += 1
            for (name, theirs) in result {
                guard let mine = ours[name] else { continue }
                let difference = relativeL2(mine, theirs)
                #expect(difference < item.agreement, "\(item.label): our engine and onnxruntime differ on \(name) by relative L2 \(difference)")
            }
        }
        // Visible in CI logs: which produced models were not compared with our engine, and why.
        print("onnxruntime compatibility: \(cases.count) produced models run in onnxruntime; \(compared) also compared with our engine")
        for line in notRunByEngine {
            print("  not compared with our engine (skipped: the engine cannot run it yet): \(line)")
        }
    }
}
