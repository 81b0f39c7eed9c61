import Foundation
import Testing

@testable import OptKit

/// Runs ONNX's own single-node backend cases (written by scripts/onnx-node-cases.py) through
/// the kernel registry at ONNX's default tolerance. Enabled when `OPTKIT_NODE_CASES` names the
/// generated file; the engine's conformance target runs the same cases from .onnx files.
@Suite struct ONNXNodeCaseTests {
    static let path = ProcessInfo.processInfo.environment["OPTKIT_NODE_CASES"]

    @Test(.enabled(if: path != nil)) func nodeCasesPass() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path!))
        let cases = try JSONDecoder().decode([NodeCase].self, from: data)
        let filter = ProcessInfo.processInfo.environment["OPTKIT_NODE_CASES_FILTER"]
        var passed = 0
        var skipped: [String] = []
        var failed: [String] = []
        for testCase in cases where KernelRegistry.supportedOps.contains(testCase.node.op_type) {
            if let filter, !testCase.name.contains(filter) { continue }
            switch testCase.run() {
            case .passed: passed += 1
            case .skipped(let reason): skipped.append("\(testCase.name): \(reason)")
            case .failed(let reason): failed.append("\(testCase.name) [opset \(testCase.opset ?? 0)]: \(reason)")
            }
        }
        print("node cases: \(passed) passed, \(failed.count) failed, \(skipped.count) skipped")
        for line in skipped { print("  skipped \(line)") }
        for line in failed { print("  FAILED \(line)") }
        #expect(failed.isEmpty)
    }
}

private struct NodeCase: Decodable {
    struct Value: Decodable {
        let name: String?
        let type: Int32
        let shape: [Int]
        let data: String

        func tensor() -> Tensor? {
            guard let type = DataType(rawValue: type), type.byteSize != nil, let bytes = Data(base64Encoded: data) else {
                return nil
            }
            let tensor = Tensor(dataType: type, shape: shape)
            guard bytes.count == tensor.byteCount else { return nil }
            bytes.withUnsafeBytes { tensor.storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return tensor
        }
    }

    struct Attribute: Decodable {
        let int: Int?
        let float: Float?
        let string: String?
        let ints: [Int]?
        let floats: [Float]?
        let strings: [String]?
        let tensor: Value?
        let opaque: String?

        var value: AttributeValue? {
            if let int { return .int(int) }
            if let float { return .float(float) }
            if let string { return .string(string) }
            if let ints { return .ints(ints) }
            if let floats { return .floats(floats) }
            if let strings { return .strings(strings) }
            if let tensor { return tensor.tensor().map { .tensor($0) } }
            if let opaque { return .opaque(kind: opaque) }
            return nil
        }
    }

    struct NodeSpec: Decodable {
        let op_type: String
        let domain: String
        let inputs: [String]
        let outputs: [String]
        let attributes: [String: Attribute]
    }

    enum Outcome {
        case passed
        case skipped(String)
        case failed(String)
    }

    let name: String
    let opset: Int?
    let node: NodeSpec
    let inputs: [Value]
    let outputs: [Value]

    func run() -> Outcome {
        var attributes: [String: AttributeValue] = [:]
        for (key, attribute) in node.attributes {
            guard let value = attribute.value else { return .skipped("attribute \(key) not readable") }
            attributes[key] = value
        }
        let graphNode = Node(
            name: name, opType: node.op_type, domain: node.domain, inputs: node.inputs, outputs: node.outputs,
            attributes: attributes)
        var byName: [String: Tensor] = [:]
        for input in inputs {
            guard let tensor = input.tensor() else { return .skipped("input type \(input.type) not loadable") }
            byName[input.name ?? ""] = tensor
        }
        let fed = node.inputs.map { $0.isEmpty ? nil : byName[$0] }
        do {
            let kernel = try KernelRegistry.kernel(for: graphNode, opset: opset ?? 21)
            let results = try kernel.run(fed, KernelContext(threadCount: 2))
            for (index, expected) in outputs.enumerated() {
                guard let want = expected.tensor() else { return .skipped("output type \(expected.type) not loadable") }
                guard index < results.count else { return .failed("output \(index) missing") }
                if let problem = compare(results[index], want) { return .failed("output \(index): \(problem)") }
            }
            return .passed
        } catch {
            if case .unsupportedAttribute = error { return .skipped("\(error)") }
            return .failed("\(error)")
        }
    }

    private func compare(_ actual: Tensor, _ expected: Tensor) -> String? {
        guard actual.dataType == expected.dataType else { return "type \(actual.dataType), expected \(expected.dataType)" }
        guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
        switch actual.dataType {
        case .float, .float16, .double:
            let a = floatValues(actual)
            let e = floatValues(expected)
            if !isClose(a, e) {
                let index = zip(a, e).enumerated().first { !isClose([$0.element.0], [$0.element.1]) }?.offset ?? 0
                return "value \(a[index]) at \(index), expected \(e[index])"
            }
            return nil
        default:
            let a = UnsafeRawBufferPointer(start: actual.storage.bytes, count: actual.byteCount)
            let e = UnsafeRawBufferPointer(start: expected.storage.bytes, count: expected.byteCount)
            return a.elementsEqual(e) ? nil : "bytes differ"
        }
    }
}
