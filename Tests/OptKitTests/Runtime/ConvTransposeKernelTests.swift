import Testing
@testable import OptKit

/// Naive transposed convolution: every input pixel scatters its weighted kernel into the
/// output (2-D; 1-D inputs use height 1).
func referenceConvTranspose(
    x: Tensor, w: Tensor, bias: [Float]?, group: Int, strides: [Int], dilations: [Int], padBegin: [Int], output: [Int]
) -> [Float] {
    let planar = x.rank == 3
    let (n, c) = (x.shape[0], x.shape[1])
    let (h, wd) = planar ? (1, x.shape[2]) : (x.shape[2], x.shape[3])
    let mg = w.shape[1], m = mg * group, cg = c / group
    let (kh, kw) = planar ? (1, w.shape[2]) : (w.shape[2], w.shape[3])
    let (sh, sw) = planar ? (1, strides[0]) : (strides[0], strides[1])
    let (dh, dw) = planar ? (1, dilations[0]) : (dilations[0], dilations[1])
    let (ph, pw) = planar ? (0, padBegin[0]) : (padBegin[0], padBegin[1])
    let (oh, ow) = planar ? (1, output[0]) : (output[0], output[1])
    let xv = x.elements(Float.self), wv = w.elements(Float.self)
    var y = [Float](repeating: 0, count: n * m * oh * ow)
    for b in 0..<n {
        for o in 0..<m {
            for i in 0..<oh * ow { y[(b * m + o) * oh * ow + i] = bias?[o] ?? 0 }
        }
        for ci in 0..<c {
            let g = ci / cg
            for om in 0..<mg {
                let o = g * mg + om
                for iy in 0..<h {
                    for ix in 0..<wd {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let oy = iy * sh - ph + ky * dh, ox = ix * sw - pw + kx * dw
                                guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                                y[((b * m + o) * oh + oy) * ow + ox] += xv[((b * c + ci) * h + iy) * wd + ix] * wv[((ci * mg + om) * kh + ky) * kw + kx]
                            }
                        }
                    }
                }
            }
        }
    }
    return y
}

@Suite struct ConvTransposeKernelTests {
    @Test(arguments: [1, 2])
    func stridedPaddedGroupedMatchesReference(threads: Int) throws {
        let x = randomTensor([2, 4, 5, 6], seed: 61), w = randomTensor([4, 3, 3, 2], seed: 62), b = randomTensor([6], seed: 63)
        let node = Node(name: "ct", opType: "ConvTranspose", inputs: ["X", "W", "B"], outputs: ["Y"], attributes: [
            "group": .int(2), "strides": .ints([2, 3]), "dilations": .ints([2, 1]), "pads": .ints([1, 0, 2, 1]), "output_padding": .ints([1, 2]),
        ])
        // out = s * (in - 1) + output_padding + (k - 1) * d + 1 - pads
        let out = [2 * 4 + 1 + 4 + 1 - 3, 3 * 5 + 2 + 1 + 1 - 1]
        let expected = referenceConvTranspose(x: x, w: w, bias: b.elements(), group: 2, strides: [2, 3], dilations: [2, 1], padBegin: [1, 0], output: out)
        expectClose(try runKernel(node, [x, w, b], threads: threads)[0], expected, shape: [2, 6] + out)
    }

    @Test func oneDimensional() throws {
        let x = randomTensor([1, 2, 7], seed: 64), w = randomTensor([2, 3, 4], seed: 65)
        let node = Node(name: "ct", opType: "ConvTranspose", inputs: ["X", "W"], outputs: ["Y"], attributes: ["strides": .ints([2])])
        let expected = referenceConvTranspose(x: x, w: w, bias: nil, group: 1, strides: [2], dilations: [1], padBegin: [0], output: [16])
        expectClose(try runKernel(node, [x, w])[0], expected, shape: [1, 3, 16])
    }

    @Test func outputShapeAndAutoPadChooseThePadding() throws {
        let x = floats((0..<9).map(Float.init), [1, 1, 3, 3]), w = floats([Float](repeating: 1, count: 18), [1, 2, 3, 3])
        // ONNX's own case: output_shape [10, 8] with strides [3, 2] leaves one extra zero row/column at the end.
        let shaped = Node(name: "ct", opType: "ConvTranspose", inputs: ["X", "W"], outputs: ["Y"],
                          attributes: ["strides": .ints([3, 2]), "output_shape": .ints([10, 8])])
        let expected = referenceConvTranspose(x: x, w: w, bias: nil, group: 1, strides: [3, 2], dilations: [1, 1], padBegin: [0, 0], output: [10, 8])
        expectClose(try runKernel(shaped, [x, w])[0], expected, shape: [1, 2, 10, 8])
        // SAME_UPPER: output = input * stride, total padding 3 + 2 - ... split with the smaller half first.
        let same = Node(name: "ct", opType: "ConvTranspose", inputs: ["X", "W"], outputs: ["Y"],
                        attributes: ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
        let sameExpected = referenceConvTranspose(x: x, w: w, bias: nil, group: 1, strides: [2, 2], dilations: [1, 1], padBegin: [0, 0], output: [6, 6])
        expectClose(try runKernel(same, [x, w])[0], sameExpected, shape: [1, 2, 6, 6])
    }

    @Test func threeDimensionalIsUnsupportedAtPrepareTime() {
        let node = Node(name: "ct3", opType: "ConvTranspose", inputs: ["X", "W"], outputs: ["Y"], attributes: ["kernel_shape": .ints([3, 3, 3])])
        #expect(throws: EngineError.unsupportedAttribute(node: "ct3", attribute: "kernel_shape", message: "3-D ConvTranspose (the engine runs 1-D and 2-D)")) {
            try KernelRegistry.kernel(for: node, opset: 11)
        }
    }
}
