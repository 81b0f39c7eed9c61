import Foundation
import Testing
@testable import OptKit

/// The float micro-kernel family (`SGEMM.forceInstructionSet`) is one process-wide setting, and
/// the families round differently. Tests run in parallel, so a test that forces a family, or
/// that expects the same bits from two runs of the same products, runs its body under this
/// lock: another test's forcing cannot switch the kernels under it.
func withFloatKernelFamilyHeld<R>(_ body: () throws -> R) rethrows -> R {
    floatKernelFamily.lock()
    defer { floatKernelFamily.unlock() }
    return try body()
}

private let floatKernelFamily = NSLock()

/// A small deterministic generator so every test run sees the same "random" tensors.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &generator) }
    return Tensor(values, shape: shape)
}

/// Runs one node's kernel directly, with every input fed at run time (no packed weights).
func runKernel(_ node: Node, _ inputs: [Tensor?], opset: Int = 21, threads: Int = 1) throws -> [Tensor] {
    let kernel = try KernelRegistry.kernel(for: node, opset: opset)
    return try kernel.run(inputs, KernelContext(threadCount: threads))
}

/// Runs one node through the executor with the inputs at `constantPositions` given as
/// initializers, so kernels take their prepare-time paths (packed weights).
func runPrepared(
    _ node: Node, _ inputs: [Tensor?], constantPositions: Set<Int>, opset: Int = 21, threads: Int = 1
) throws -> [Tensor] {
    var graph = Graph(name: "single")
    var renamed = node
    renamed.inputs = []
    var feeds: [String: Tensor] = [:]
    for (position, input) in inputs.enumerated() {
        guard let input else {
            renamed.inputs.append("")
            continue
        }
        let name = "in\(position)"
        renamed.inputs.append(name)
        if constantPositions.contains(position) {
            graph.initializers[name] = input
        } else {
            graph.inputs.append(ValueInfo(name: name, type: nil))
            feeds[name] = input
        }
    }
    renamed.outputs = node.outputs.enumerated().map { $1.isEmpty ? "" : "out\($0)" }
    graph.nodes = [renamed]
    graph.outputs = renamed.outputs.filter { !$0.isEmpty }.map { ValueInfo(name: $0, type: nil) }
    let executor = try Executor(graph: graph, opsets: ["": opset], threads: threads)
    let results = try executor.run(feeds)
    return renamed.outputs.map { results[$0] ?? floats([], [0]) }
}

func expectClose(
    _ actual: Tensor, _ expected: [Float], shape: [Int]? = nil, tolerance: Float = 1e-4,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let shape { #expect(actual.shape == shape, sourceLocation: sourceLocation) }
    let values = actual.elements(Float.self)
    #expect(values.count == expected.count, sourceLocation: sourceLocation)
    guard values.count == expected.count else { return }
    var worst: Float = 0
    var worstIndex = 0
    for index in values.indices {
        let error = abs(values[index] - expected[index]) / max(1, abs(expected[index]))
        if !(error <= worst) { worst = error; worstIndex = index }
    }
    #expect(worst <= tolerance, "element \(worstIndex): \(values[worstIndex]) vs \(expected[worstIndex])", sourceLocation: sourceLocation)
}
