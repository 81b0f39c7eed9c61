import Foundation
import Testing
@testable import OptKit

@Suite("ONNX model round trip")
struct ModelRoundTripTests {
    typealias P = ProtoBuilder

    /// A model with everything a save must not lose: metadata, doc strings at every level,
    /// value_info, a local function, unknown fields on the model and on a node.
    static func richModel() throws -> Onnx_ModelProto {
        var relu = P.node("Relu", ["h"], ["r"], name: "relu")
        relu.docString = "activation"
        relu = try P.withUnknownField(relu)
        let add = P.node("Add", ["x", "bias"], ["h"], name: "add")
        var scale = P.node("Mul", ["r", "two"], ["y"], name: "scale")
        scale.metadataProps = [P.entry("origin", "layer3")]
        var model = P.model(
            nodes: [add, relu, scale],
            inputs: [P.valueInfo("x", .float, ["batch", 4])],
            outputs: [P.valueInfo("y", .float, ["batch", 4])],
            initializers: [P.floatTensor("bias", [1, 2, 3, 4], dims: [4]), P.floatTensor("two", [2], dims: [])],
            valueInfo: [P.valueInfo("h", .float, ["batch", 4])])
        model.docString = "a model"
        model.graph.docString = "the graph"
        model.metadataProps = [P.entry("author", "tests"), P.entry("license", "MIT")]
        model.modelVersion = 3
        model.producerVersion = "1.0"
        var function = Onnx_FunctionProto()
        function.name = "Helper"
        function.domain = "local"
        function.input = ["a"]
        function.output = ["b"]
        function.node = [P.node("Identity", ["a"], ["b"])]
        model.functions = [function]
        return try P.withUnknownField(model)
    }

    @Test func unchangedModelSavesToTheSameProto() throws {
        let original = try Self.richModel()
        let model = try Model(serializedData: P.serialized(original))
        #expect(model.metadata == ["author": "tests", "license": "MIT"])
        #expect(model.docString == "a model")
        #expect(model.graph.valueInfo["h"] == TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(4)]))

        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved == original)
        #expect(saved.unknownFields.data.count > 0)
        #expect(saved.graph.node[1].unknownFields == original.graph.node[1].unknownFields)
        #expect(saved.functions.first?.name == "Helper")
    }

    @Test func aChangedNodeKeepsItsDocStringAndTheOthersStayAsRead() throws {
        let original = try Self.richModel()
        var model = try Model(serializedData: P.serialized(original))
        // A pass turns Relu into LeakyRelu with an attribute.
        model.graph.nodes[1].opType = "LeakyRelu"
        model.graph.nodes[1].attributes["alpha"] = .float(0.1)
        model.metadata["optimized_by"] = "optctl"

        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved.graph.node[0] == original.graph.node[0])
        #expect(saved.graph.node[2] == original.graph.node[2])
        let changed = saved.graph.node[1]
        #expect(changed.opType == "LeakyRelu")
        #expect(changed.docString == "activation")
        #expect(changed.unknownFields == original.graph.node[1].unknownFields)
        #expect(changed.attribute.map(\.name) == ["alpha"])
        #expect(saved.metadataProps.map(\.key) == ["author", "license", "optimized_by"])
    }

    @Test func subgraphAttributesSurviveAsTheirOriginalBytes() throws {
        var thenBranch = Onnx_GraphProto()
        thenBranch.name = "then"
        thenBranch.node = [P.node("Identity", ["x"], ["t"])]
        thenBranch.output = [P.valueInfo("t", .float, [2])]
        var elseBranch = Onnx_GraphProto()
        elseBranch.name = "else"
        elseBranch.node = [P.node("Neg", ["x"], ["e"])]
        elseBranch.output = [P.valueInfo("e", .float, [2])]
        let ifNode = P.node("If", ["cond"], ["y"], name: "branch", attributes: [
            P.attribute("then_branch", graph: thenBranch), P.attribute("else_branch", graph: elseBranch),
        ])
        let original = P.model(
            nodes: [ifNode],
            inputs: [P.valueInfo("cond", .bool, []), P.valueInfo("x", .float, [2])],
            outputs: [P.valueInfo("y", .float, [2])])
        var model = try Model(serializedData: P.serialized(original))
        let node = model.graph.nodes[0]
        #expect(node.hasSubgraphs)
        #expect(node.subgraphInputs == ["x"])
        #expect(model.validate(checkKernels: true).contains(.subgraphOp(node: "branch", opType: "If")))

        model.graph.nodes[0].name = "renamed"
        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved.graph.node[0].name == "renamed")
        #expect(saved.graph.node[0].attribute == original.graph.node[0].attribute)
    }

    @Test func anOutputAddedByAPassIsTypedAndTheOldOutputKeepsItsDeclaration() throws {
        let original = P.model(
            nodes: [P.node("Relu", ["x"], ["y"], name: "relu")],
            inputs: [P.valueInfo("x", .float, ["batch", 3])],
            outputs: [P.valueInfo("y", .float, ["batch", 3])])
        var model = try Model(serializedData: P.serialized(original))
        let two = model.graph.addInitializer(Tensor([Float(2)], shape: [1]), preferredName: "two")
        model.graph.nodes.append(Node(name: "scale", opType: "Mul", inputs: ["y", two], outputs: ["scaled"]))
        model.graph.outputs = [ValueInfo(name: "scaled", type: nil)]
        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved.graph.output.first?.type.tensorType.shape.dim.map(\.dimParam) == ["batch", ""])
        #expect(saved.graph.output.first?.type.tensorType.shape.dim.last?.dimValue == 3)
        #expect(saved.graph.valueInfo == original.graph.output)
    }

    @Test func aNewNodeWithAnOpaqueAttributeCannotBeWritten() throws {
        var graph = Graph(nodes: [Node(name: "loop", opType: "Loop", inputs: [], outputs: ["y"], attributes: ["body": .opaque(kind: "graph")])])
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        let model = Model(graph: graph)
        #expect(throws: ModelError.unencodableAttribute(node: "loop", attribute: "body")) {
            try model.serializedData()
        }
    }

    @Test func constantWeightsStayConstantNodes() throws {
        let weight = P.floatTensor("", [1, 2, 3, 4], dims: [2, 2])
        let original = P.model(
            nodes: [
                P.node("Constant", [], ["w"], name: "weight", attributes: [P.attribute("value", tensor: weight)]),
                P.node("MatMul", ["x", "w"], ["y"], name: "mm"),
            ],
            inputs: [P.valueInfo("x", .float, ["N", 2])],
            outputs: [P.valueInfo("y", .float, ["N", 2])])
        let model = try Model(serializedData: P.serialized(original))
        #expect(model.graph.initializers.isEmpty)
        #expect(model.graph.nodes[0].opType == "Constant")
        guard case .tensor(let tensor)? = model.graph.nodes[0].attributes["value"] else {
            Issue.record("Constant value is not a tensor")
            return
        }
        #expect(tensor.elements(Float.self) == [1, 2, 3, 4])
        #expect(model.graph.constantTensor("w")?.shape == [2, 2])
        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved == original)
    }

    @Test func irVersion3InitializerInputsAreKeptAndNewInitializersDeclared() throws {
        let original = P.model(
            nodes: [P.node("Add", ["x", "b"], ["y"])],
            inputs: [P.valueInfo("x", .float, [2]), P.valueInfo("b", .float, [2])],
            outputs: [P.valueInfo("y", .float, [2])],
            initializers: [P.floatTensor("b", [1, 2], dims: [2])],
            opset: 11, irVersion: 3)
        var model = try Model(serializedData: P.serialized(original))
        #expect(model.graph.inputs.map(\.name) == ["x"])
        #expect(try Onnx_ModelProto(serializedBytes: model.serializedData()) == original)

        let extra = model.graph.addInitializer(Tensor([Float(5), 6], shape: [2]), preferredName: "b")
        #expect(extra == "b_1")
        model.graph.nodes.append(Node(name: "", opType: "Add", inputs: ["y", extra], outputs: ["z"]))
        model.graph.outputs = [ValueInfo(name: "z", type: nil)]
        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved.graph.input.map(\.name) == ["x", "b", "b_1"])
        #expect(saved.graph.initializer.map(\.name) == ["b", "b_1"])
    }

    @Test func writeReplacesTheFileAtomicallyAndLoadsBack() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.onnx")
        let model = try Model(serializedData: P.serialized(Self.richModel()))
        try model.write(to: url)
        try model.write(to: url)  // over an existing file
        let reloaded = try Model.load(contentsOf: url)
        #expect(reloaded.metadata == model.metadata)
        #expect(reloaded.graph.initializers["bias"]?.elements(Float.self) == [1, 2, 3, 4])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.onnx"])

        let missing = folder.appendingPathComponent("no-such-folder/model.onnx")
        #expect(throws: ModelError.self) { try model.write(to: missing) }
    }

    @Test(arguments: [11, 12, 13, 17, 21])
    func opsetsFrom11To21Load(opset: Int) throws {
        // Squeeze takes its axes as an attribute before opset 13 and as an input from 13 on.
        let squeeze = opset < 13
            ? P.node("Squeeze", ["x"], ["y"], attributes: [P.attribute("axes", ints: [1])])
            : P.node("Squeeze", ["x", "axes"], ["y"])
        let initializers = opset < 13 ? [] : [P.int64Tensor("axes", [1], dims: [1])]
        let original = P.model(
            nodes: [squeeze], inputs: [P.valueInfo("x", .float, ["N", 1, 8])],
            outputs: [P.valueInfo("y", .float, nil)], initializers: initializers, opset: opset)
        var model = try Model(serializedData: P.serialized(original))
        #expect(model.opset == opset)
        #expect(model.inferShapes().isEmpty)
        #expect(model.graph.outputs[0].type?.shape == [.symbolic("N"), .fixed(8)])
    }
}
