import Testing
@testable import OptKit

/// Naive reference: C[i, j] = sum_k A[i, k] * B[k, j] for row-major matrices.
func referenceProduct(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

@Suite struct MatMulKernelTests {
    let matMul = Node(name: "mm", opType: "MatMul", inputs: ["A", "B"], outputs: ["Y"])

    @Test(arguments: [(1, 1, 1), (1, 64, 256), (3, 5, 7), (16, 128, 128), (17, 33, 65), (9, 300, 40), (40, 70, 600)], [1, 2])
    func matchesReference(sizes: (Int, Int, Int), threads: Int) throws {
        let (m, k, n) = sizes
        let a = randomTensor([m, k], seed: 1), b = randomTensor([k, n], seed: 2)
        let expected = referenceProduct(a.elements(), b.elements(), m: m, n: n, k: k)
        expectClose(try runKernel(matMul, [a, b], threads: threads)[0], expected, shape: [m, n])
        expectClose(try runPrepared(matMul, [a, b], constantPositions: [1], threads: threads)[0], expected, shape: [m, n])
    }

    @Test func handCheckedProduct() throws {
        let a = floats([1, 2, 3, 4, 5, 6], [2, 3])
        let b = floats([7, 8, 9, 10, 11, 12], [3, 2])
        expectClose(try runKernel(matMul, [a, b])[0], [58, 64, 139, 154], shape: [2, 2])
    }

    @Test func oneDimensionalOperandsDropTheirAxis() throws {
        let v = floats([1, 2, 3], [3])
        let m = floats([1, 0, 0, 1, 1, 1], [3, 2])
        expectClose(try runKernel(matMul, [v, m])[0], [4, 5], shape: [2])
        let mt = floats([1, 0, 1, 0, 1, 1], [2, 3])
        expectClose(try runKernel(matMul, [mt, v])[0], [4, 5], shape: [2])
        expectClose(try runKernel(matMul, [v, v])[0], [14], shape: [])
    }

    @Test(arguments: [1, 2])
    func batchDimensionsBroadcast(threads: Int) throws {
        let a = randomTensor([2, 1, 5, 6], seed: 3), b = randomTensor([3, 6, 4], seed: 4)
        let y = try runKernel(matMul, [a, b], threads: threads)[0]
        #expect(y.shape == [2, 3, 5, 4])
        var expected: [Float] = []
        let av = a.elements(Float.self), bv = b.elements(Float.self)
        for i in 0..<2 {
            for j in 0..<3 {
                expected += referenceProduct(Array(av[i * 30..<(i + 1) * 30]), Array(bv[j * 24..<(j + 1) * 24]), m: 5, n: 4, k: 6)
            }
        }
        expectClose(y, expected)
        // Many small products spread over the threads (attention heads).
        let q = randomTensor([8, 16, 16], seed: 5), kT = randomTensor([8, 16, 16], seed: 6)
        let heads = try runKernel(matMul, [q, kT], threads: threads)[0]
        var headsExpected: [Float] = []
        for h in 0..<8 {
            headsExpected += referenceProduct(Array(q.elements(Float.self)[h * 256..<(h + 1) * 256]),
                                              Array(kT.elements(Float.self)[h * 256..<(h + 1) * 256]), m: 16, n: 16, k: 16)
        }
        expectClose(heads, headsExpected)
    }

    @Test func constantWeightsServeABatchedLeftOperand() throws {
        let a = randomTensor([2, 16, 24], seed: 7), b = randomTensor([24, 10], seed: 8)
        let y = try runPrepared(matMul, [a, b], constantPositions: [1], threads: 2)[0]
        #expect(y.shape == [2, 16, 10])
        expectClose(y, referenceProduct(a.elements(), b.elements(), m: 32, n: 10, k: 24))
    }

    @Test func mismatchedInnerDimensionsAreRejected() throws {
        #expect(throws: EngineError.self) {
            try runKernel(matMul, [randomTensor([2, 3], seed: 1), randomTensor([4, 2], seed: 2)])
        }
    }
}
