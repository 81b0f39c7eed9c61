import Foundation
import Testing
@testable import OptKit

@Suite("Graph validation and editing")
struct ValidationTests {
    static let float4 = TensorType(dataType: .float, shape: [.fixed(4)])

    @Test func danglingInputsAndUndefinedOutputs() {
        let graph = Graph(
            nodes: [Node(name: "add", opType: "Add", inputs: ["x", "ghost"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: Self.float4)],
            outputs: [ValueInfo(name: "y", type: nil), ValueInfo(name: "nowhere", type: nil)])
        let issues = graph.validate(opsets: ["": 17], checkKernels: false)
        #expect(issues.contains(.danglingInput(node: "add", value: "ghost")))
        #expect(issues.contains(.undefinedOutput(value: "nowhere")))
    }

    @Test func cyclesAndDuplicateOutputs() {
        let cyclic = Graph(
            nodes: [
                Node(name: "a", opType: "Relu", inputs: ["q"], outputs: ["p"]),
                Node(name: "b", opType: "Relu", inputs: ["p"], outputs: ["q"]),
            ],
            outputs: [ValueInfo(name: "q", type: nil)])
        #expect(cyclic.validate(opsets: ["": 17], checkKernels: false) == [.cycle(node: "a")])

        let twice = Graph(
            nodes: [
                Node(name: "one", opType: "Relu", inputs: ["x"], outputs: ["y"]),
                Node(name: "two", opType: "Neg", inputs: ["x"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", type: Self.float4)], outputs: [ValueInfo(name: "y", type: nil)])
        #expect(twice.validate(opsets: ["": 17], checkKernels: false).contains(.duplicateOutput(value: "y", node: "two")))
    }

    @Test func typeMismatchNamesNodeAndValue() {
        let graph = Graph(
            nodes: [Node(name: "mix", opType: "Add", inputs: ["x", "count"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: Self.float4), ValueInfo(name: "count", type: TensorType(dataType: .int64, shape: [.fixed(4)]))],
            outputs: [ValueInfo(name: "y", type: nil)])
        let issues = graph.validate(opsets: ["": 17], checkKernels: false)
        #expect(issues == [.typeMismatch(node: "mix", value: "count", message: "Add needs 'x' (float) and 'count' (int64) to have one element type")])

        // A declared output type that the op cannot produce.
        let declared = Graph(
            nodes: [Node(name: "cmp", opType: "Less", inputs: ["x", "x"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: Self.float4)],
            outputs: [ValueInfo(name: "y", type: Self.float4)])
        #expect(declared.validate(opsets: ["": 17], checkKernels: false) == [.typeMismatch(node: "cmp", value: "y", message: "declared float but Less produces bool")])
    }

    @Test func unsupportedOpsAreNamed() {
        let graph = Graph(
            nodes: [Node(name: "mystery", opType: "NoSuchOpInAnyOpset", domain: "com.example", inputs: ["x"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: Self.float4)], outputs: [ValueInfo(name: "y", type: nil)])
        #expect(graph.validate(opsets: ["": 17]) == [.unsupportedOp(node: "mystery", opType: "NoSuchOpInAnyOpset", domain: "com.example")])
        #expect(graph.validate(opsets: ["": 17]).first?.description == "node 'mystery': the engine cannot run op com.example.NoSuchOpInAnyOpset")
        #expect(graph.validate(opsets: ["": 17], checkKernels: false).isEmpty)
    }

    @Test func editingHelpers() {
        var graph = Graph(
            nodes: [
                Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["a"]),
                Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["b"]),
                Node(name: "dead", opType: "Neg", inputs: ["a"], outputs: ["unused"]),
            ],
            inputs: [ValueInfo(name: "x", type: Self.float4)], outputs: [ValueInfo(name: "b", type: nil)],
            initializers: ["w": Tensor([Float(1)], shape: [1])])
        // Bypass the Identity: its readers read its input instead.
        let complete = graph.replaceUses(of: "a", with: "x")
        #expect(complete)
        graph.removeNodes(at: [0])
        #expect(graph.nodes.map(\.name) == ["relu", "dead"])
        #expect(graph.nodes[0].inputs == ["x"])

        let removed = graph.removeUnused()
        #expect(removed.nodes == 1 && removed.initializers == 1)
        #expect(graph.nodes.map(\.name) == ["relu"])

        var scope = graph.nameScope()
        #expect(scope.fresh("x") == "x_1")
        #expect(scope.fresh("x") == "x_2")
        #expect(scope.fresh("scale") == "scale")
        #expect(graph.addInitializer(Tensor([Float(2)], shape: [1]), preferredName: "b") == "b_1")
    }
}
