import Foundation
import Testing
@testable import OptKit

/// Random bytes as a uint8 or int8 tensor.
private func randomBytes(_ shape: [Int], signed: Bool, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    if signed {
        return Tensor(elements: (0..<count).map { _ in Int8.random(in: -128...127, using: &generator) }, dataType: .int8, shape: shape)
    }
    return Tensor(elements: (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }, dataType: .uint8, shape: shape)
}

private func integers(_ tensor: Tensor) -> [Int32] {
    switch tensor.dataType {
    case .uint8: tensor.elements(UInt8.self).map { Int32($0) }
    case .int8: tensor.elements(Int8.self).map { Int32($0) }
    case .int32: tensor.elements(Int32.self)
    default: []
    }
}

private func scalar(_ value: Int32, _ type: DataType) -> Tensor {
    type == .int8 ? Tensor(elements: [Int8(value)], dataType: .int8, shape: [])
        : Tensor(elements: [UInt8(value)], dataType: .uint8, shape: [])
}

/// Σ_k (a - za)(b - zb[j]) for a (m x k) and b (k x n).
private func referenceIntegerProduct(_ a: [Int32], _ b: [Int32], m: Int, n: Int, k: Int, za: Int32, zb: [Int32]) -> [Int32] {
    var c = [Int32](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Int32 = 0
            for p in 0..<k { sum += (a[i * k + p] - za) * (b[p * n + j] - zb[zb.count == 1 ? 0 : j]) }
            c[i * n + j] = sum
        }
    }
    return c
}

/// The integer convolution Σ (x - zx)(w - zw[c]) with zero padding in the dequantized sense.
private func referenceIntegerConv(
    _ x: [Int32], _ w: [Int32], batch: Int, channels: Int, height: Int, width: Int, outChannels: Int, group: Int,
    kernel: Int, stride: Int, pad: Int, zx: Int32, zw: [Int32]
) -> (values: [Int32], outH: Int, outW: Int) {
    let outH = (height + 2 * pad - kernel) / stride + 1, outW = (width + 2 * pad - kernel) / stride + 1
    let inPer = channels / group, outPer = outChannels / group
    var y = [Int32](repeating: 0, count: batch * outChannels * outH * outW)
    for b in 0..<batch {
        for oc in 0..<outChannels {
            let g = oc / outPer
            let z = zw[zw.count == 1 ? 0 : oc]
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var sum: Int32 = 0
                    for ic in 0..<inPer {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let xv = x[((b * channels + g * inPer + ic) * height + iy) * width + ix]
                                let wv = w[((oc * inPer + ic) * kernel + ky) * kernel + kx]
                                sum += (xv - zx) * (wv - z)
                            }
                        }
                    }
                    y[((b * outChannels + oc) * outH + oy) * outW + ox] = sum
                }
            }
        }
    }
    return (y, outH, outW)
}

/// Runs `body` once per integer micro-kernel family this CPU has (VNNI, AVX2, portable).
private func forEachIntegerPath(_ body: (Int) throws -> Void) rethrows {
    let original = IGEMM.instructionSet
    defer { IGEMM.forceInstructionSet(original) }
    for level in [3, 2, 1] where IGEMM.forceInstructionSet(level) == level {
        try body(level)
    }
}

@Suite struct IntegerProductTests {
    @Test func matMulIntegerMatchesTheExactSumOnEveryPath() throws {
        let (m, k, n) = (11, 37, 45)
        for (aSigned, bSigned) in [(false, true), (true, true), (false, false), (true, false)] {
            let a = randomBytes([m, k], signed: aSigned, seed: 1), b = randomBytes([k, n], signed: bSigned, seed: 2)
            let aType: DataType = aSigned ? .int8 : .uint8, bType: DataType = bSigned ? .int8 : .uint8
            let za: Int32 = aSigned ? -3 : 131, zb: Int32 = bSigned ? 5 : 120
            let expected = referenceIntegerProduct(integers(a), integers(b), m: m, n: n, k: k, za: za, zb: [zb])
            let node = Node(name: "mmi", opType: "MatMulInteger", inputs: ["A", "B", "az", "bz"], outputs: ["Y"])
            try forEachIntegerPath { level in
                let inputs: [Tensor?] = [a, b, scalar(za, aType), scalar(zb, bType)]
                for threads in [1, 2] {
                    let direct = try runKernel(node, inputs, threads: threads)[0]
                    #expect(direct.dataType == .int32 && direct.shape == [m, n])
                    #expect(integers(direct) == expected, "path \(level), A \(aType), B \(bType), direct")
                    let prepared = try runPrepared(node, inputs, constantPositions: [1, 2, 3], threads: threads)[0]
                    #expect(integers(prepared) == expected, "path \(level), A \(aType), B \(bType), packed B")
                }
            }
        }
    }

    @Test func qlinearMatMulRoundsAsTheReference() throws {
        // Per-column weight scales; a 3-D A against a 2-D B; the result requantized to uint8.
        let (batch, m, k, n) = (2, 5, 19, 40)
        let a = randomBytes([batch, m, k], signed: false, seed: 3), b = randomBytes([k, n], signed: true, seed: 4)
        let (aScale, yScale): (Float, Float) = (0.02, 0.35)
        let bScales = (0..<n).map { Float(0.01 + 0.0005 * Double($0)) }
        let (za, zy): (Int32, Int32) = (128, 100)
        let raw = referenceIntegerProduct(integers(a), integers(b), m: batch * m, n: n, k: k, za: za, zb: [0])
        let expected = raw.enumerated().map { index, value -> Int32 in
            let scale = aScale * bScales[index % n] / yScale
            let rounded = (Double(value) * Double(scale)).rounded(.toNearestOrEven) + Double(zy)
            return Int32(min(255, max(0, rounded)))
        }
        let node = Node(name: "qmm", opType: "QLinearMatMul", inputs: (0..<8).map { "i\($0)" }, outputs: ["Y"])
        let inputs: [Tensor?] = [
            a, Tensor([aScale], shape: []), scalar(za, .uint8), b, Tensor(bScales, shape: [n]), scalar(0, .int8),
            Tensor([yScale], shape: []), scalar(zy, .uint8),
        ]
        try forEachIntegerPath { level in
            let direct = try runKernel(node, inputs)[0]
            #expect(direct.dataType == .uint8 && direct.shape == [batch, m, n])
            #expect(integers(direct) == expected, "path \(level)")
            let prepared = try runPrepared(node, inputs, constantPositions: Set(1...7))[0]
            #expect(integers(prepared) == expected, "path \(level), prepared")
        }
    }

    @Test func convIntegerMatchesTheExactSumWithPaddingGroupsAndStrides() throws {
        let (batch, channels, height, width, outChannels) = (2, 6, 9, 11, 8)
        for (group, kernel, stride, pad) in [(1, 3, 1, 1), (2, 3, 2, 1), (1, 1, 1, 0), (3, 2, 1, 0)] {
            let x = randomBytes([batch, channels, height, width], signed: false, seed: 5)
            let w = randomBytes([outChannels - (outChannels % group == 0 ? 0 : outChannels % group), channels / group, kernel, kernel], signed: true, seed: 6)
            let oc = w.shape[0]
            let zx: Int32 = 77
            let zw = (0..<oc).map { Int32($0 % 3) - 1 }
            let expected = referenceIntegerConv(
                integers(x), integers(w), batch: batch, channels: channels, height: height, width: width, outChannels: oc,
                group: group, kernel: kernel, stride: stride, pad: pad, zx: zx, zw: zw)
            let node = Node(
                name: "ci", opType: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["y"],
                attributes: ["group": .int(group), "strides": .ints([stride, stride]), "pads": .ints([pad, pad, pad, pad])])
            let inputs: [Tensor?] = [x, w, scalar(zx, .uint8), Tensor(elements: zw.map { Int8($0) }, dataType: .int8, shape: [oc])]
            try forEachIntegerPath { level in
                for threads in [1, 2] {
                    let y = try runPrepared(node, inputs, constantPositions: [1, 2, 3], threads: threads)[0]
                    #expect(y.shape == [batch, oc, expected.outH, expected.outW])
                    #expect(integers(y) == expected.values, "path \(level), group \(group), kernel \(kernel), stride \(stride)")
                }
                let direct = try runKernel(node, inputs)[0]
                #expect(integers(direct) == expected.values, "path \(level), direct")
            }
        }
    }

    @Test func wideStrideTwoConvolutionsMatchTheExactSumOnEveryPath() throws {
        // Rows long enough for the vector im2col's full blocks and its masked tail (odd and even
        // widths, with and without padding), against the exact sum on every micro-kernel path.
        for (width, pad) in [(150, 1), (97, 0), (67, 1), (66, 0)] {
            let (channels, height, outChannels, kernel, stride) = (3, 7, 5, 3, 2)
            let x = randomBytes([1, channels, height, width], signed: false, seed: 31)
            let w = randomBytes([outChannels, channels, kernel, kernel], signed: true, seed: 32)
            let zx: Int32 = 90
            let zw = [Int32](repeating: 0, count: outChannels)
            let expected = referenceIntegerConv(
                integers(x), integers(w), batch: 1, channels: channels, height: height, width: width, outChannels: outChannels,
                group: 1, kernel: kernel, stride: stride, pad: pad, zx: zx, zw: zw)
            let node = Node(
                name: "ci", opType: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["y"],
                attributes: ["strides": .ints([stride, stride]), "pads": .ints([pad, pad, pad, pad])])
            let inputs: [Tensor?] = [x, w, scalar(zx, .uint8), Tensor(elements: zw.map { Int8($0) }, dataType: .int8, shape: [outChannels])]
            try forEachIntegerPath { level in
                let y = try runPrepared(node, inputs, constantPositions: [1, 2, 3], threads: 1)[0]
                #expect(y.shape == [1, outChannels, expected.outH, expected.outW])
                #expect(integers(y) == expected.values, "path \(level), width \(width), pad \(pad)")
            }
        }
    }

    @Test func qlinearConvAddsTheInt32BiasBeforeRequantizing() throws {
        let x = randomBytes([1, 4, 7, 7], signed: true, seed: 8), w = randomBytes([5, 4, 3, 3], signed: true, seed: 9)
        let bias: [Int32] = [100, -2000, 0, 35, 7777]
        let wScales: [Float] = [0.01, 0.02, 0.015, 0.03, 0.005]
        let (xScale, yScale): (Float, Float) = (0.05, 0.4)
        let (zx, zy): (Int32, Int32) = (-10, 3)
        let raw = referenceIntegerConv(
            integers(x), integers(w), batch: 1, channels: 4, height: 7, width: 7, outChannels: 5, group: 1, kernel: 3,
            stride: 1, pad: 1, zx: zx, zw: [0])
        let pixels = raw.outH * raw.outW
        let expected = raw.values.enumerated().map { index, value -> Int32 in
            let c = index / pixels
            let scale = xScale * wScales[c] / yScale
            let rounded = (Double(value + bias[c]) * Double(scale)).rounded(.toNearestOrEven) + Double(zy)
            return Int32(min(127, max(-128, rounded)))
        }
        let node = Node(
            name: "qc", opType: "QLinearConv", inputs: (0..<9).map { "i\($0)" }, outputs: ["y"],
            attributes: ["pads": .ints([1, 1, 1, 1])])
        let inputs: [Tensor?] = [
            x, Tensor([xScale], shape: []), scalar(zx, .int8), w, Tensor(wScales, shape: [5]), Tensor(elements: [Int8](repeating: 0, count: 5), dataType: .int8, shape: [5]),
            Tensor([yScale], shape: []), scalar(zy, .int8), int32s(bias, [5]),
        ]
        try forEachIntegerPath { level in
            let y = try runPrepared(node, inputs, constantPositions: Set(1...8))[0]
            #expect(y.dataType == .int8)
            #expect(integers(y) == expected, "path \(level)")
        }
    }
}

@Suite struct QuantizeLinearTests {
    @Test func quantizeRoundsHalfToEvenAndSaturates() throws {
        let x = floats([0, 1, 2.5, 3.5, -1.5, 1000, -1000, 0.49], [8])
        let node = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
        let original = IGEMM.instructionSet
        defer { IGEMM.forceInstructionSet(original) }
        for level in [3, 1] where IGEMM.forceInstructionSet(level) == level {
            let y = try runKernel(node, [x, floats([1], []), scalar(10, .uint8)])[0]
            #expect(y.elements(UInt8.self) == [10, 11, 12, 14, 8, 255, 0, 10], "path \(level)")
            let s = try runKernel(node, [x, floats([1], []), scalar(0, .int8)])[0]
            #expect(s.elements(Int8.self) == [0, 1, 2, 4, -2, 127, -128, 0], "path \(level)")
        }
    }

    @Test func perAxisAndBlockedScalesApplyToTheirSlices() throws {
        // Per axis 1 of [2, 3, 2]: scale 1, 2, 4.
        let x = floats((0..<12).map { Float($0) }, [2, 3, 2])
        let perAxis = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["y"], attributes: ["axis": .int(1)])
        let y = try runKernel(perAxis, [x, floats([1, 2, 4], [3])])[0]
        #expect(y.elements(UInt8.self) == [0, 1, 1, 2, 1, 1, 6, 7, 4, 4, 2, 3])
        // Blocks of 2 along axis 1 of [2, 4]: scales [[1, 10], [2, 20]].
        let blocked = Node(
            name: "qb", opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["y"],
            attributes: ["axis": .int(1), "block_size": .int(2), "output_dtype": .int(Int(DataType.int16.rawValue))])
        let b = try runKernel(blocked, [floats([10, 20, 30, 40, 10, 20, 30, 40], [2, 4]), floats([1, 10, 2, 20], [2, 2])])[0]
        #expect(b.dataType == .int16)
        #expect(b.elements(Int16.self) == [10, 20, 3, 4, 5, 10, 2, 2])
        let dq = Node(name: "dq", opType: "DequantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"], attributes: ["axis": .int(0)])
        let back = try runKernel(dq, [Tensor(elements: [UInt8(0), 10, 20, 30], dataType: .uint8, shape: [2, 2]), floats([0.5, 2], [2]),
                                      Tensor(elements: [UInt8(10), 20], dataType: .uint8, shape: [2])])[0]
        expectClose(back, [-5, 0, 0, 20])
    }

    @Test func dynamicQuantizeLinearCoversTheRangeAndZero() throws {
        let node = Node(name: "dq", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["y", "s", "z"])
        let out = try runKernel(node, [floats([0, 2, -3, -2.5, 1.34, 0.5], [6])])
        #expect(out[0].elements(UInt8.self) == [153, 255, 0, 26, 221, 179])
        expectClose(out[1], [0.0196078438])
        #expect(out[2].elements(UInt8.self) == [153])
    }

    @Test func badQuantizationInputsAreErrorsNamingTheNode() throws {
        let node = Node(name: "bad_q", opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["y"], attributes: ["axis": .int(0)])
        #expect(throws: EngineError.self) { try runKernel(node, [floats([1, 2, 3], [3]), floats([1, 2], [2])]) }
        let mm = Node(name: "bad_mm", opType: "MatMulInteger", inputs: ["A", "B"], outputs: ["Y"])
        #expect(throws: EngineError.self) {
            try runKernel(mm, [randomBytes([2, 3], signed: false, seed: 1), randomBytes([4, 2], signed: true, seed: 2)])
        }
    }
}
