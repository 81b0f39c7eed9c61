import Foundation
import Testing
@testable import OptKit

/// Calibration data or exclusions the passes cannot use: a clear typed error before any work,
/// naming the file, input or node, and the input model untouched.
@Suite struct BadInputTests {
    /// Applies the pass to `model` expecting a UserFacingError of `kind`; returns its message
    /// after checking the model is unchanged.
    func expectFailure(
        _ technique: String, _ parameters: [String: JSONValue] = [:], model: Model = convBatchNormGraph(), context: PassContext, kind: ErrorKind
    ) async throws -> String {
        var copy = model
        let before = signature(model)
        do {
            _ = try await makePass(technique, parameters).apply(to: &copy, context: context)
            Issue.record("\(technique) accepted bad input")
            return ""
        } catch let error as any UserFacingError {
            #expect(error.kind == kind, "\(error.message)")
            #expect(signature(copy) == before, "the model was changed")
            return error.message
        }
    }

    /// Everything a pass could change: opsets, nodes, initializers with their bytes, interface.
    func signature(_ model: Model) -> String {
        var text = "\(model.opsetImports.sorted { $0.key < $1.key }) ir \(model.irVersion)\n"
        for node in model.graph.nodes { text += "\(node.name) \(node.opType) \(node.inputs) \(node.outputs) \(node.attributes.keys.sorted())\n" }
        for (name, tensor) in model.graph.initializers.sorted(by: { $0.key < $1.key }) {
            text += "\(name) \(tensor.dataType) \(tensor.shape) \(Data(bytes: tensor.storage.bytes, count: tensor.byteCount).hashValue)\n"
        }
        text += "\(model.graph.inputs.map(\.name)) \(model.graph.outputs.map(\.name)) \(model.graph.valueInfo.keys.sorted())"
        return text
    }

    @Test func calibrationShapeThatDoesNotMatchTheModel() async throws {
        let message = try await expectFailure("quantize-int8", context: context(calibration: randomSamples(2, shape: [1, 3, 16, 16])), kind: .malformedInput)
        #expect(message.contains("input 'x'"))
        #expect(message.contains("[1, 3, 16, 16]"))
        #expect(message.contains("sample 0"))
    }

    @Test func calibrationElementTypeThatDoesNotMatchTheModel() async throws {
        let doubles = Tensor(elements: [Double](repeating: 0.5, count: 192), dataType: .double, shape: [1, 3, 8, 8])
        let source = ArraySampleSource(items: [Sample(name: "wide", inputs: ["x": doubles])])
        let message = try await expectFailure("quantize-int8", context: context(calibration: source), kind: .malformedInput)
        #expect(message.contains("double data, the model takes float"))
    }

    @Test func nanInCalibrationData() async throws {
        var values = [Float](repeating: 0.1, count: 192)
        values[17] = .nan
        let source = ArraySampleSource(items: [
            Sample(name: "fine", inputs: ["x": randomTensor([1, 3, 8, 8], seed: 1)]),
            Sample(name: "broken", inputs: ["x": Tensor(values, shape: [1, 3, 8, 8])]),
        ])
        let message = try await expectFailure("quantize-int8", context: context(calibration: source), kind: .malformedInput)
        #expect(message.contains("'broken'"))
        #expect(message.contains("element 17 is nan"))
        // fp16's activation check reads the same data and refuses it the same way.
        _ = try await expectFailure("fp16", context: context(calibration: source), kind: .malformedInput)
    }

    @Test func emptyCalibrationFolder() async throws {
        let folder = try TemporaryDirectory()
        let source = try TestDataSetSource(url: folder.url)
        let message = try await expectFailure("quantize-int8", context: context(calibration: source), kind: .malformedInput)
        #expect(message.contains("empty"))
        #expect(message.contains(folder.url.path))
    }

    @Test func missingAndExtraInputsInASample() async throws {
        let missing = ArraySampleSource(items: [Sample(name: "nothing", inputs: [:])])
        let message = try await expectFailure("quantize-int8", context: context(calibration: missing), kind: .malformedInput)
        #expect(message.contains("no data for input 'x'"))
        let extra = ArraySampleSource(items: [Sample(name: "extra", inputs: ["x": randomTensor([1, 3, 8, 8], seed: 1), "z": randomTensor([1], seed: 2)])])
        let other = try await expectFailure("quantize-int8", context: context(calibration: extra), kind: .malformedInput)
        #expect(other.contains("'z' is not an input"))
    }

    @Test(arguments: ["quantize-int8", "quantize-int8-dynamic", "fp16"])
    func exclusionNamingANodeThatDoesNotExist(_ technique: String) async throws {
        let message = try await expectFailure(technique, context: context(calibration: randomSamples(1, shape: [1, 3, 8, 8]), excludedNodes: ["conv9"]), kind: .validation)
        #expect(message.contains("'conv9'"))
    }

    @Test func excludeNodesParameterNamingANodeThatDoesNotExist() async throws {
        let message = try await expectFailure(
            "quantize-int8-dynamic", ["exclude_nodes": .array([.string("conv1"), .string("nope")])], context: context(), kind: .validation)
        #expect(message.contains("'nope'"))
        #expect(!message.contains("'conv1'"))
    }

    @Test func unknownOpTypeToQuantize() async throws {
        let message = try await expectFailure("quantize-int8-dynamic", ["op_types": .array([.string("Conv2d")])], context: context(), kind: .validation)
        #expect(message.contains("Conv2d"))
    }

    @Test func badParameterValuesAreRefusedByTheRegistry() throws {
        #expect(throws: InvalidRequest.self) { try makePass("quantize-int8", ["method": .string("kl")]) }
        #expect(throws: InvalidRequest.self) { try makePass("quantize-int8", ["percentile": .number(42)]) }
        #expect(throws: InvalidRequest.self) { try makePass("quantize-int8-dynamic", ["format": .string("int4")]) }
    }

    @Test func perChannelOnAnOldModelWithControlFlowIsRefusedBeforeWork() async throws {
        var model = mlpGraph(opset: 11)
        var ifNode = Node(name: "branch", opType: "If", inputs: ["cond"], outputs: ["unused"])
        ifNode.attributes["then_branch"] = .opaque(kind: "graph")
        model.graph.nodes.append(ifNode)
        model.graph.initializers["cond"] = Tensor(elements: [UInt8(1)], dataType: .bool, shape: [])
        let message = try await expectFailure("quantize-int8", model: model, context: context(calibration: randomSamples(1, shape: [1, 16])), kind: .validation)
        #expect(message.contains("'branch'"))
        #expect(message.contains("per_channel false"))
    }
}
