import Testing
@testable import OptKit

/// Naive 2-D convolution (1-D inputs use height 1) with explicit begin pads.
func referenceConv(
    x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?, group: Int,
    strides: [Int], dilations: [Int], padBegin: [Int], outSize: [Int]
) -> [Float] {
    let (n, c) = (xShape[0], xShape[1])
    let (h, wd) = xShape.count == 4 ? (xShape[2], xShape[3]) : (1, xShape[2])
    let (m, cg) = (wShape[0], wShape[1])
    let (kh, kw) = wShape.count == 4 ? (wShape[2], wShape[3]) : (1, wShape[2])
    let (sh, sw) = strides.count == 2 ? (strides[0], strides[1]) : (1, strides[0])
    let (dh, dw) = dilations.count == 2 ? (dilations[0], dilations[1]) : (1, dilations[0])
    let (ph, pw) = padBegin.count == 2 ? (padBegin[0], padBegin[1]) : (0, padBegin[0])
    let (oh, ow) = outSize.count == 2 ? (outSize[0], outSize[1]) : (1, outSize[0])
    let mg = m / group
    var y = [Float](repeating: 0, count: n * m * oh * ow)
    for b in 0..<n {
        for o in 0..<m {
            let g = o / mg
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum = Double(bias?[o] ?? 0)
                    for ci in 0..<cg {
                        let channel = g * cg + ci
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                sum += Double(x[((b * c + channel) * h + iy) * wd + ix]) * Double(w[((o * cg + ci) * kh + ky) * kw + kx])
                            }
                        }
                    }
                    y[((b * m + o) * oh + oy) * ow + ox] = Float(sum)
                }
            }
        }
    }
    return y
}

struct ConvCase: CustomTestStringConvertible, Sendable {
    var batch = 1, channels = 3, outChannels = 4, size = [9, 9], kernel = [3, 3]
    var group = 1, strides = [1, 1], dilations = [1, 1], pads = [1, 1, 1, 1]
    var bias = true
    var testDescription: String {
        "N\(batch) C\(channels)->\(outChannels) in\(size) k\(kernel) g\(group) s\(strides) d\(dilations) p\(pads)"
    }
}

@Suite struct ConvKernelTests {
    static let cases: [ConvCase] = [
        ConvCase(),
        ConvCase(batch: 2, channels: 5, outChannels: 7, size: [11, 6], kernel: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1]),
        ConvCase(channels: 4, outChannels: 6, size: [10, 10], group: 2, dilations: [2, 2], pads: [2, 2, 2, 2]),
        ConvCase(channels: 6, outChannels: 6, size: [13, 12], group: 6, strides: [2, 2], pads: [1, 1, 1, 1]),
        ConvCase(channels: 6, outChannels: 6, size: [8, 9], kernel: [5, 5], group: 6, dilations: [1, 2], pads: [2, 0, 3, 4], bias: false),
        ConvCase(channels: 16, outChannels: 40, size: [7, 7], kernel: [1, 1], pads: [0, 0, 0, 0]),
        ConvCase(channels: 32, outChannels: 64, size: [24, 24], strides: [2, 2]),
        // Output rows of 16 pixels or more: AVX-512 im2col reads whole row segments with plain
        // loads (stride 1) or a permute of two loads (stride 2), gathers at the borders.
        ConvCase(channels: 3, outChannels: 16, size: [9, 40], strides: [2, 2]),
        ConvCase(channels: 2, outChannels: 5, size: [5, 37], kernel: [3, 3]),
        ConvCase(channels: 3, outChannels: 5, size: [17], kernel: [4], strides: [3], dilations: [2], pads: [2, 1]),
        ConvCase(channels: 4, outChannels: 8, size: [20], kernel: [3], group: 4, strides: [1], dilations: [1], pads: [1, 1]),
    ]

    @Test(arguments: cases, [1, 2])
    func matchesReference(_ config: ConvCase, threads: Int) throws {
        let rank = config.size.count
        let x = randomTensor([config.batch, config.channels] + config.size, seed: 11)
        let w = randomTensor([config.outChannels, config.channels / config.group] + config.kernel, seed: 12)
        let b = config.bias ? randomTensor([config.outChannels], seed: 13) : nil
        let node = Node(name: "conv", opType: "Conv", inputs: ["X", "W"] + (config.bias ? ["B"] : []), outputs: ["Y"], attributes: [
            "group": .int(config.group), "strides": .ints(config.strides), "dilations": .ints(config.dilations),
            "pads": .ints(config.pads), "kernel_shape": .ints(config.kernel),
        ])
        var out: [Int] = []
        for axis in 0..<rank {
            let extent: Int = (config.kernel[axis] - 1) * config.dilations[axis] + 1
            let span: Int = config.size[axis] + config.pads[axis] + config.pads[axis + rank] - extent
            out.append(span / config.strides[axis] + 1)
        }
        let expected = referenceConv(
            x: x.elements(), xShape: x.shape, w: w.elements(), wShape: w.shape, bias: b?.elements(), group: config.group,
            strides: config.strides, dilations: config.dilations, padBegin: Array(config.pads[0..<rank]), outSize: out)
        let inputs: [Tensor?] = config.bias ? [x, w, b] : [x, w]
        let shape = [config.batch, config.outChannels] + out
        expectClose(try runKernel(node, inputs, threads: threads)[0], expected, shape: shape)
        expectClose(try runPrepared(node, inputs, constantPositions: [1, 2], threads: threads)[0], expected, shape: shape)
    }

    @Test func stridedPaddedHandChecked() throws {
        let x = floats((0..<25).map(Float.init), [1, 1, 5, 5])
        let w = floats([Float](repeating: 1, count: 9), [1, 1, 3, 3])
        let node = Node(name: "c", opType: "Conv", inputs: ["X", "W"], outputs: ["Y"],
                        attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        expectClose(try runKernel(node, [x, w])[0], [12, 27, 24, 63, 108, 81, 72, 117, 84], shape: [1, 1, 3, 3])
    }

    @Test(arguments: [("SAME_UPPER", [Float(45), 39, 66, 50]), ("SAME_LOWER", [10, 24, 51, 90]), ("VALID", [45])])
    func autoPad(mode: String, expected: [Float]) throws {
        let x = floats((0..<16).map(Float.init), [1, 1, 4, 4])
        let w = floats([Float](repeating: 1, count: 9), [1, 1, 3, 3])
        let node = Node(name: "c", opType: "Conv", inputs: ["X", "W"], outputs: ["Y"],
                        attributes: ["strides": .ints([2, 2]), "auto_pad": .string(mode)])
        let side = mode == "VALID" ? 1 : 2
        expectClose(try runKernel(node, [x, w])[0], expected, shape: [1, 1, side, side])
    }

    @Test(arguments: [1, 2])
    func batchNormAndReluFoldIntoTheConvolution(threads: Int) throws {
        let x = randomTensor([1, 3, 12, 12], seed: 21), w = randomTensor([8, 3, 3, 3], seed: 22)
        let scale = randomTensor([8], seed: 23), shift = randomTensor([8], seed: 24)
        let mean = randomTensor([8], seed: 25), variance = randomTensor([8], seed: 26, range: 0.5...2)
        let graph = Graph(
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "s", "b", "m", "v"], outputs: ["n"], attributes: ["epsilon": .float(1e-3)]),
                Node(name: "relu", opType: "Relu", inputs: ["n"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("N"), .fixed(3), .fixed(12), .fixed(12)]))],
            outputs: [ValueInfo(name: "y", type: nil)],
            initializers: ["w": w, "s": scale, "b": shift, "m": mean, "v": variance])
        guard KernelRegistry.supports(opType: "Relu", domain: "") else { return }
        let executor = try Executor(graph: graph, opsets: ["": 17], threads: threads)
        let y = try #require(try executor.run(["x": x])["y"])
        let conv = referenceConv(x: x.elements(), xShape: x.shape, w: w.elements(), wShape: w.shape, bias: nil, group: 1,
                                 strides: [2, 2], dilations: [1, 1], padBegin: [1, 1], outSize: [6, 6])
        let (s, b, m, v) = (scale.elements(Float.self), shift.elements(Float.self), mean.elements(Float.self), variance.elements(Float.self))
        let expected = conv.enumerated().map { index, value in
            let c = index / 36
            return max(0, (value - m[c]) / (v[c] + 1e-3).squareRoot() * s[c] + b[c])
        }
        expectClose(y, expected, shape: [1, 8, 6, 6])
    }

    @Test func threeDimensionalConvolutionFailsAtPrepareTime() throws {
        let node = Node(name: "conv3d", opType: "Conv", inputs: ["X", "W"], outputs: ["Y"], attributes: ["kernel_shape": .ints([3, 3, 3])])
        #expect(throws: EngineError.unsupportedAttribute(node: "conv3d", attribute: "kernel_shape", message: "3-D convolution (the engine runs 1-D and 2-D)")) {
            try KernelRegistry.kernel(for: node, opset: 17)
        }
        let weights = randomTensor([2, 1, 3, 3, 3], seed: 1)
        #expect(throws: EngineError.self) {
            try runPrepared(Node(name: "c", opType: "Conv", inputs: ["X", "W"], outputs: ["Y"]),
                            [randomTensor([1, 1, 4, 4, 4], seed: 2), weights], constantPositions: [1])
        }
    }

    @Test func channelMismatchIsAnInputError() throws {
        let node = Node(name: "c", opType: "Conv", inputs: ["X", "W"], outputs: ["Y"])
        #expect(throws: EngineError.self) {
            try runKernel(node, [randomTensor([1, 3, 5, 5], seed: 1), randomTensor([2, 4, 3, 3], seed: 2)])
        }
    }
}
