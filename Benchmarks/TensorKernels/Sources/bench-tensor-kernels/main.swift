import Dispatch
import Foundation
import OptKit

// Each case runs one node on fixed inputs; prints one JSON line per case and thread count:
// {"case": NAME, "threads": N, "microseconds": MEDIAN}. The cases mirror the numpy side in
// scripts/bench-tensor-kernels. One-thread runs are timed in the thread's CPU time, which a
// busy machine's other processes do not inflate; two-thread runs in wall time.

func threadCPUNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

struct Case {
    let name: String
    let node: Node
    let inputs: [Tensor?]
    var opset = 21
}

func randomFloats(_ shape: [Int], in range: ClosedRange<Float> = -4...4) -> Tensor {
    var generator = SystemRandomNumberGenerator()
    let count = shape.reduce(1, *)
    return Tensor((0..<count).map { _ in Float.random(in: range, using: &generator) }, shape: shape)
}

func node(_ op: String, _ inputCount: Int, _ attributes: [String: AttributeValue] = [:]) -> Node {
    Node(name: op, opType: op, inputs: (0..<inputCount).map { "x\($0)" }, outputs: ["y"], attributes: attributes)
}

let million = [1 << 20]
let x = randomFloats(million)
let positive = randomFloats(million, in: 0.01...100)
let matrix = randomFloats([1024, 1024])
let image = randomFloats([8, 64, 56, 56])
let condition = Tensor(elements: (0..<(1 << 20)).map { _ in UInt8.random(in: 0...1) }, dataType: .bool, shape: million)

let cases: [Case] = [
    Case(name: "Exp", node: node("Exp", 1), inputs: [x]),
    Case(name: "Tanh", node: node("Tanh", 1), inputs: [x]),
    Case(name: "Erf", node: node("Erf", 1), inputs: [x]),
    Case(name: "Sigmoid", node: node("Sigmoid", 1), inputs: [x]),
    Case(name: "Gelu", node: node("Gelu", 1), inputs: [x]),
    Case(name: "Log", node: node("Log", 1), inputs: [positive]),
    Case(name: "Relu", node: node("Relu", 1), inputs: [x]),
    Case(name: "Add same shape", node: node("Add", 2), inputs: [x, randomFloats(million)]),
    Case(name: "Add scalar", node: node("Add", 2), inputs: [x, randomFloats([])]),
    Case(name: "Mul [1024,1024]*[1024]", node: node("Mul", 2), inputs: [matrix, randomFloats([1024])]),
    Case(name: "Add [8,64,56,56]+[64,1,1]", node: node("Add", 2), inputs: [image, randomFloats([64, 1, 1])]),
    Case(name: "Softmax [1024,1024] axis -1", node: node("Softmax", 1), inputs: [matrix], opset: 13),
    Case(name: "ReduceSum [1024,1024] axis -1", node: node("ReduceSum", 2), inputs: [matrix, Tensor([Int64(-1)], shape: [1])]),
    Case(name: "ReduceMean [1024,1024] axis 0", node: node("ReduceMean", 2), inputs: [matrix, Tensor([Int64(0)], shape: [1])]),
    Case(name: "Transpose [1024,1024]", node: node("Transpose", 1), inputs: [matrix]),
    Case(
        name: "Transpose [8,64,56,56] perm 0,2,3,1", node: node("Transpose", 1, ["perm": .ints([0, 2, 3, 1])]),
        inputs: [image]),
    Case(name: "Where", node: node("Where", 3), inputs: [condition, x, randomFloats(million)]),
    Case(name: "Cast float->float16", node: node("Cast", 1, ["to": .int(10)]), inputs: [x]),
    Case(name: "Concat 2x[512,1024] axis 1", node: node("Concat", 2, ["axis": .int(1)]),
         inputs: [randomFloats([512, 1024]), randomFloats([512, 1024])]),
]

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

for testCase in cases {
    let kernel = try KernelRegistry.kernel(for: testCase.node, opset: testCase.opset)
    for threads in [1, 2] {
        let context = KernelContext(threadCount: threads)
        for _ in 0..<3 { _ = try kernel.run(testCase.inputs, context) }
        var times: [Double] = []
        let clock = threads == 1 ? threadCPUNanoseconds : { DispatchTime.now().uptimeNanoseconds }
        for _ in 0..<21 {
            let start = clock()
            _ = try kernel.run(testCase.inputs, context)
            times.append(Double(clock() - start) / 1000)
        }
        print("{\"case\": \"\(testCase.name)\", \"threads\": \(threads), \"microseconds\": \(median(times))}")
    }
}
