import Testing
@testable import OptKit

@Suite struct ExecutorTests {
    /// x -> MatMul(w) -> MatMul(w) -> ... `length` times; every intermediate is [rows, 64].
    func chain(length: Int, rows: Int = 32) -> Graph {
        var nodes: [Node] = []
        var previous = "x"
        for index in 0..<length {
            let output = index == length - 1 ? "y" : "v\(index)"
            nodes.append(Node(name: "mm\(index)", opType: "MatMul", inputs: [previous, "w"], outputs: [output]))
            previous = output
        }
        return Graph(
            name: "chain", nodes: nodes,
            inputs: [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("N"), .fixed(64)]))],
            outputs: [ValueInfo(name: "y", type: nil)],
            initializers: ["w": randomTensor([64, 64], seed: 5, range: -0.1...0.1)])
    }

    @Test(arguments: [1, 2])
    func recyclingKeepsAChainsWorkingMemoryFlat(threads: Int) throws {
        // Later runs must give the same bits: no other test may switch the float kernels meanwhile.
        try withFloatKernelFamilyHeld {
            let executor = try Executor(graph: chain(length: 12), opsets: ["": 17], threads: threads)
            let x = randomTensor([32, 64], seed: 6)
            let buffer = 32 * 64 * 4
            let first = try executor.run(["x": x])["y"]
            // 11 intermediates plus the output would be 12 buffers if nothing were released; at
            // most an input, an output and the packed left operand are live at once.
            #expect(executor.peakWorkingBytes > 0)
            #expect(executor.peakWorkingBytes <= 3 * buffer)
            // Later runs take every buffer from the pool: the same answer, no growth.
            for _ in 0..<3 {
                let again = try executor.run(["x": x])["y"]
                #expect(again?.elements(Float.self) == first?.elements(Float.self))
            }
            #expect(executor.peakWorkingBytes <= 3 * buffer)
        }
    }

    @Test func outputsOfASmallGraph() throws {
        // y = Gemm(x, w, b) with w constant; z = MaxPool over a second input; both returned.
        let graph = Graph(
            nodes: [
                Node(name: "gemm", opType: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"], attributes: ["transB": .int(1)]),
                Node(name: "pool", opType: "GlobalMaxPool", inputs: ["image"], outputs: ["z"]),
            ],
            inputs: [
                ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(1), .fixed(2)])),
                ValueInfo(name: "image", type: TensorType(dataType: .float, shape: [.fixed(1), .fixed(2), .unknown, .unknown])),
            ],
            outputs: [ValueInfo(name: "y", type: nil), ValueInfo(name: "z", type: nil)],
            initializers: ["w": floats([1, 2, 3, 4, 5, 6], [3, 2]), "b": floats([10, 20, 30], [3])])
        let executor = try Executor(graph: graph, opsets: ["": 13], threads: 1)
        let outputs = try executor.run(["x": floats([1, -1], [1, 2]), "image": floats([1, 5, 2, 0, -3, -1, -2, -4], [1, 2, 2, 2])])
        #expect(outputs["y"]?.elements(Float.self) == [9, 19, 29])
        #expect(outputs["z"]?.shape == [1, 2, 1, 1])
        #expect(outputs["z"]?.elements(Float.self) == [5, -1])
    }

    @Test func constantNodesAreFoldedOnce() throws {
        let graph = Graph(
            nodes: [
                Node(name: "const", opType: "Constant", inputs: [], outputs: ["w"], attributes: ["value": .tensor(floats([2, 0, 0, 3], [2, 2]))]),
                Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)])
        guard KernelRegistry.supports(opType: "Constant", domain: "") else { return }
        let executor = try Executor(graph: graph, opsets: ["": 13])
        #expect(try executor.run(["x": floats([1, 1], [1, 2])])["y"]?.elements(Float.self) == [2, 3])
    }

    @Test func feedsAreCheckedAgainstTheDeclaredInputs() throws {
        let executor = try Executor(graph: chain(length: 2), opsets: ["": 17])
        #expect(throws: EngineError.missingInput(name: "x")) { try executor.run([:]) }
        #expect(throws: EngineError.invalidFeed(name: "x", message: "expected float elements, got int64")) {
            try executor.run(["x": Tensor([Int64](repeating: 0, count: 64), shape: [1, 64])])
        }
        #expect(throws: EngineError.invalidFeed(name: "x", message: "expected shape [N, 64], got [2, 63] (axis 1)")) {
            try executor.run(["x": randomTensor([2, 63], seed: 1)])
        }
        #expect(throws: EngineError.invalidFeed(name: "x", message: "expected rank 2 [N, 64], got shape [64]")) {
            try executor.run(["x": randomTensor([64], seed: 1)])
        }
        #expect(throws: EngineError.self) { try executor.run(["x": randomTensor([1, 64], seed: 1), "extra": randomTensor([1], seed: 2)]) }
        // The symbolic batch dimension accepts any size.
        #expect(try executor.run(["x": randomTensor([5, 64], seed: 1)])["y"]?.shape == [5, 64])
    }

    @Test func invalidGraphsFailAtPrepareTime() {
        let cyclic = Graph(nodes: [
            Node(name: "a", opType: "MatMul", inputs: ["x", "b_out"], outputs: ["a_out"]),
            Node(name: "b", opType: "MatMul", inputs: ["a_out", "x"], outputs: ["b_out"]),
        ], inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "b_out", type: nil)])
        #expect(throws: EngineError.self) { try Executor(graph: cyclic, opsets: ["": 13]) }
        let dangling = Graph(nodes: [Node(name: "a", opType: "MatMul", inputs: ["x", "missing"], outputs: ["y"])],
                             inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)])
        #expect(throws: EngineError.invalidGraph(message: "node 'a' reads 'missing', which no node, input or initializer provides")) {
            try Executor(graph: dangling, opsets: ["": 13])
        }
        let unknownOp = Graph(nodes: [Node(name: "q", opType: "QuantumFourier", inputs: ["x"], outputs: ["y"])],
                              inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)])
        #expect(throws: EngineError.unsupportedOp(node: "q", opType: "QuantumFourier", domain: "")) {
            try Executor(graph: unknownOp, opsets: ["": 13])
        }
    }

    @Test func gemmIsIdenticalOnEveryInstructionSet() throws {
        // Every available micro-kernel family computes the same product (up to rounding).
        let a = randomTensor([13, 70], seed: 7), b = randomTensor([70, 45], seed: 8)
        let expected = referenceProduct(a.elements(), b.elements(), m: 13, n: 45, k: 70)
        let node = Node(name: "mm", opType: "MatMul", inputs: ["A", "B"], outputs: ["Y"])
        try withFloatKernelFamilyHeld {
            let original = SGEMM.instructionSet
            defer { SGEMM.forceInstructionSet(original) }
            for level in 1...3 where SGEMM.forceInstructionSet(level) == level {
                expectClose(try runKernel(node, [a, b])[0], expected)
                expectClose(try runPrepared(node, [a, b], constantPositions: [1])[0], expected)
            }
        }
    }

    /// Attention as exporters write it: the heads' query, key and value are Transposes of a
    /// [batch, tokens, heads, dim] reshape. Each Transpose that only feeds a MatMul is read
    /// through by the MatMul instead of being copied; a Transpose with a second reader stays.
    @Test(arguments: [1, 2])
    func transposesFeedingOnlyAMatMulAreReadThroughWithTheSameResults(threads: Int) throws {
        let q = randomTensor([1, 16, 4, 8], seed: 21), k = randomTensor([1, 16, 4, 8], seed: 22)
        let v = randomTensor([1, 16, 4, 8], seed: 23), w = randomTensor([8, 5], seed: 24)
        func transpose(_ name: String, _ input: String, _ perm: [Int]) -> Node {
            Node(name: name, opType: "Transpose", inputs: [input], outputs: [name + "_out"], attributes: ["perm": .ints(perm)])
        }
        let graph = Graph(
            name: "attention",
            nodes: [
                transpose("tq", "q", [0, 2, 1, 3]), transpose("tk", "k", [0, 2, 3, 1]), transpose("tv", "v", [0, 2, 1, 3]),
                Node(name: "scores", opType: "MatMul", inputs: ["tq_out", "tk_out"], outputs: ["s"]),
                Node(name: "context", opType: "MatMul", inputs: ["s", "tv_out"], outputs: ["c"]),
                // A transposed left operand times constant weights that broadcast over the heads.
                transpose("tv2", "v", [0, 2, 1, 3]),
                Node(name: "project", opType: "MatMul", inputs: ["tv2_out", "w"], outputs: ["p"]),
                // `shared` is read by a MatMul and by another Transpose: it stays a step.
                transpose("shared", "q", [2, 0, 1, 3]), transpose("shared2", "shared_out", [0, 1, 3, 2]),
                Node(name: "twice", opType: "MatMul", inputs: ["shared_out", "shared2_out"], outputs: ["t"]),
            ],
            inputs: ["q", "k", "v"].map { ValueInfo(name: $0, type: TensorType(dataType: .float, shape: [1, 16, 4, 8].map(Dim.fixed))) },
            outputs: ["c", "p", "t"].map { ValueInfo(name: $0, type: nil) },
            initializers: ["w": w])
        let executor = try Executor(graph: graph, opsets: ["": 17], threads: threads)
        let outputs = try executor.run(["q": q, "k": k, "v": v])
        let steps = try executor.profile(["q": q, "k": k, "v": v], runs: 1).map(\.node)
        #expect(!["tq", "tk", "tv", "tv2", "shared2"].contains { steps.contains($0) }, "\(steps)")
        #expect(steps.contains("shared"), "\(steps)")

        // The same graph op by op, with every Transpose written out.
        func run(_ opType: String, _ inputs: [Tensor], _ attributes: [String: AttributeValue] = [:]) throws -> Tensor {
            try runKernel(Node(name: opType, opType: opType, inputs: inputs.indices.map { "i\($0)" }, outputs: ["o"], attributes: attributes), inputs)[0]
        }
        let perm = { (values: [Int]) in ["perm": AttributeValue.ints(values)] }
        let scores = try run("MatMul", [try run("Transpose", [q], perm([0, 2, 1, 3])), try run("Transpose", [k], perm([0, 2, 3, 1]))])
        let context = try run("MatMul", [scores, try run("Transpose", [v], perm([0, 2, 1, 3]))])
        let projected = try run("MatMul", [try run("Transpose", [v], perm([0, 2, 1, 3])), w])
        let shared = try run("Transpose", [q], perm([2, 0, 1, 3]))
        let twice = try run("MatMul", [shared, try run("Transpose", [shared], perm([0, 1, 3, 2]))])
        for (name, expected) in [("c", context), ("p", projected), ("t", twice)] {
            let actual = try #require(outputs[name])
            #expect(actual.shape == expected.shape, "\(name)")
            expectClose(actual, expected.elements(Float.self))
        }
    }
}
