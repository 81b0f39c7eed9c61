import Testing
@testable import OptKit

@Suite struct PoolKernelTests {
    let grid = floats((1...16).map(Float.init), [1, 1, 4, 4])

    func pool(_ op: String, _ attributes: [String: AttributeValue], outputs: [String] = ["Y"]) -> Node {
        Node(name: "p", opType: op, inputs: ["X"], outputs: outputs, attributes: attributes)
    }

    @Test func maxPoolWithPaddingAndIndices() throws {
        let node = pool("MaxPool", ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])], outputs: ["Y", "I"])
        let outputs = try runKernel(node, [grid])
        expectClose(outputs[0], [1, 3, 4, 9, 11, 12, 13, 15, 16], shape: [1, 1, 3, 3])
        #expect(outputs[1].elements(Int64.self) == [0, 2, 3, 8, 10, 11, 12, 14, 15])
        let columnMajor = pool("MaxPool", ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "storage_order": .int(1)], outputs: ["Y", "I"])
        let transposed = try runKernel(columnMajor, [grid])
        expectClose(transposed[0], [6, 8, 14, 16], shape: [1, 1, 2, 2])
        #expect(transposed[1].elements(Int64.self) == [5, 13, 7, 15])
    }

    @Test func maxPoolCeilModeDropsWindowsStartingInThePadding() throws {
        let node = pool("MaxPool", ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1)])
        expectClose(try runKernel(node, [grid])[0], [11, 12, 15, 16], shape: [1, 1, 2, 2])
        let floorNode = pool("MaxPool", ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2])])
        expectClose(try runKernel(floorNode, [grid])[0], [11], shape: [1, 1, 1, 1])
    }

    @Test func averagePoolCountIncludePad() throws {
        let attributes: [String: AttributeValue] = ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "strides": .ints([3, 3])]
        // Window at (0, 0) covers rows/cols -1...1: values 1, 2, 5, 6.
        let excluded = try runKernel(pool("AveragePool", attributes), [grid])[0]
        expectClose(excluded, [3.5, 5.5, 11.5, 13.5], shape: [1, 1, 2, 2])
        var including = attributes
        including["count_include_pad"] = .int(1)
        expectClose(try runKernel(pool("AveragePool", including), [grid])[0], [14.0 / 9, 22.0 / 9, 46.0 / 9, 54.0 / 9], shape: [1, 1, 2, 2])
    }

    @Test func averagePoolSameUpperAndDilation() throws {
        let same = pool("AveragePool", ["kernel_shape": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
        let y = try runKernel(same, [grid])[0]
        #expect(y.shape == [1, 1, 4, 4])
        expectClose(y, [3.5, 4.5, 5.5, 6, 7.5, 8.5, 9.5, 10, 11.5, 12.5, 13.5, 14, 13.5, 14.5, 15.5, 16])
        let dilated = pool("AveragePool", ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 2])])
        expectClose(try runKernel(dilated, [grid], opset: 19)[0], [6, 7, 10, 11], shape: [1, 1, 2, 2])
        #expect(throws: EngineError.self) { try KernelRegistry.kernel(for: dilated, opset: 11) }
    }

    @Test(arguments: [1, 2])
    func oneAndThreeDimensionalPooling(threads: Int) throws {
        let line = floats([3, 1, 4, 1, 5, 9, 2, 6], [1, 1, 8])
        expectClose(try runKernel(pool("MaxPool", ["kernel_shape": .ints([3]), "strides": .ints([2])]), [line], threads: threads)[0], [4, 5, 9], shape: [1, 1, 3])
        let cube = floats((0..<27).map(Float.init), [1, 1, 3, 3, 3])
        let y = try runKernel(pool("AveragePool", ["kernel_shape": .ints([2, 2, 2])]), [cube], threads: threads)[0]
        // Each 2x2x2 window's mean is its centre: first corner (0,0,0) -> mean of 0,1,3,4,9,10,12,13.
        expectClose(y, [6.5, 7.5, 9.5, 10.5, 15.5, 16.5, 18.5, 19.5], shape: [1, 1, 2, 2, 2])
    }

    @Test(arguments: [1, 2])
    func globalPooling(threads: Int) throws {
        let x = randomTensor([2, 3, 5, 4], seed: 51)
        let values = x.elements(Float.self)
        let average = try runKernel(Node(name: "g", opType: "GlobalAveragePool", inputs: ["X"], outputs: ["Y"]), [x], threads: threads)[0]
        let maximum = try runKernel(Node(name: "g", opType: "GlobalMaxPool", inputs: ["X"], outputs: ["Y"]), [x], threads: threads)[0]
        let planes = (0..<6).map { Array(values[$0 * 20..<($0 + 1) * 20]) }
        expectClose(average, planes.map { $0.reduce(0, +) / 20 }, shape: [2, 3, 1, 1])
        expectClose(maximum, planes.map { $0.max()! }, shape: [2, 3, 1, 1])
    }

    @Test func missingKernelShapeIsInvalid() {
        #expect(throws: EngineError.invalidAttribute(node: "p", attribute: "kernel_shape", message: "is required")) {
            try KernelRegistry.kernel(for: pool("MaxPool", [:]), opset: 12)
        }
    }
}
