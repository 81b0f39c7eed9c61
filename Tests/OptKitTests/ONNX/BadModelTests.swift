import Foundation
import Testing
@testable import OptKit

@Suite("ONNX bad input")
struct BadModelTests {
    typealias P = ProtoBuilder

    static func smallModel(initializers: [Onnx_TensorProto] = [P.floatTensor("w", [1, 2, 3, 4], dims: [4])]) -> Onnx_ModelProto {
        P.model(
            nodes: [P.node("Add", ["x", "w"], ["y"], name: "add")],
            inputs: [P.valueInfo("x", .float, [4])],
            outputs: [P.valueInfo("y", .float, [4])],
            initializers: initializers)
    }

    private func loadError(_ data: Data, baseDirectory: URL? = nil) -> ModelError? {
        do {
            _ = try Model(serializedData: data, baseDirectory: baseDirectory)
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedFile() throws {
        let data = try P.serialized(Self.smallModel())
        for cut in [data.count / 2, data.count - 3, 5] {
            let error = loadError(data.prefix(cut))
            #expect(error == .truncated(source: "the model data"), "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func notAnONNXFile() {
        let text = Data("this is a README, not a neural network\n".utf8)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        for data in [text, png, Data()] {
            guard case .notONNX? = loadError(data) else {
                Issue.record("expected notONNX for \(data.count) bytes, got \(String(describing: loadError(data)))")
                continue
            }
        }
    }

    @Test func tensorDataShorterThanItsDims() throws {
        var short = P.floatTensor("w", [1, 2], dims: [4])
        let error = loadError(try P.serialized(Self.smallModel(initializers: [short])))
        #expect(error == .invalidTensor(name: "w", reason: "data holds 8 bytes of raw_data but dims [4] of float need 16 bytes"))
        short = P.int64Tensor("w", [1, 2, 3], dims: [4])
        guard case .invalidTensor(name: "w", _)? = loadError(try P.serialized(Self.smallModel(initializers: [short]))) else {
            Issue.record("typed-field tensor with missing elements was accepted")
            return
        }
    }

    @Test func negativeAndAbsurdDims() throws {
        let negative = P.floatTensor("w", [1, 2, 3, 4], dims: [-4])
        #expect(loadError(try P.serialized(Self.smallModel(initializers: [negative]))) == .invalidTensor(name: "w", reason: "negative dim -4 in dims [-4]"))

        // Overflowing the element count.
        let overflow = P.floatTensor("w", [1], dims: [1 << 40, 1 << 40])
        guard case .invalidTensor(name: "w", _)? = loadError(try P.serialized(Self.smallModel(initializers: [overflow]))) else {
            Issue.record("overflowing dims were accepted")
            return
        }
        // Four gibibytes of floats claimed by a file of about a hundred bytes: refused before
        // anything is allocated, because the data present is checked first.
        let huge = P.floatTensor("w", [1, 2], dims: [1 << 20, 1 << 10])
        let data = try P.serialized(Self.smallModel(initializers: [huge]))
        #expect(data.count < 200)
        guard case .invalidTensor(name: "w", _)? = loadError(data) else {
            Issue.record("a 4 GiB tensor in a small file was accepted")
            return
        }
    }

    @Test func cyclicGraph() throws {
        let model = P.model(
            nodes: [P.node("Add", ["x", "b"], ["a"], name: "first"), P.node("Relu", ["a"], ["b"], name: "second")],
            inputs: [P.valueInfo("x", .float, [1])], outputs: [P.valueInfo("b", .float, [1])])
        #expect(loadError(try P.serialized(model)) == .cyclicGraph(node: "first"))
    }

    @Test func duplicateOutputNames() throws {
        let model = P.model(
            nodes: [P.node("Relu", ["x"], ["y"], name: "one"), P.node("Neg", ["x"], ["y"], name: "two")],
            inputs: [P.valueInfo("x", .float, [1])], outputs: [P.valueInfo("y", .float, [1])])
        #expect(loadError(try P.serialized(model)) == .duplicateOutput(value: "y", node: "two"))

        let shadowsInput = P.model(
            nodes: [P.node("Relu", ["x"], ["x"], name: "self")],
            inputs: [P.valueInfo("x", .float, [1])], outputs: [P.valueInfo("x", .float, [1])])
        #expect(loadError(try P.serialized(shadowsInput)) == .duplicateOutput(value: "x", node: "self"))
    }

    @Test func missingModelFileAndFolder() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.onnx")
        #expect(throws: ModelError.fileNotFound(path: missing.path)) { try Model.load(contentsOf: missing) }
        #expect(throws: ModelError.unreadable(path: folder.path, reason: "it is a folder")) { try Model.load(contentsOf: folder) }
    }

    @Test func messagesAreOneLine() {
        let errors: [ModelError] = [
            .truncated(source: "m.onnx"), .notONNX(source: "m.onnx", reason: "r"), .cyclicGraph(node: "n"),
            .externalData(tensor: "w", location: "../w.bin", reason: "'..' is not allowed"),
            .invalidTensor(name: "w", reason: "negative dim"), .duplicateOutput(value: "y", node: "n"),
        ]
        for error in errors {
            let message = error.errorDescription ?? ""
            #expect(!message.isEmpty && !message.contains("\n"))
        }
        #expect(ModelError.cyclicGraph(node: "conv1").localizedDescription == "the graph has a cycle through node 'conv1'")
        #expect(ModelError.fileNotFound(path: "m.onnx").kind == .notFound)
        #expect(ModelError.truncated(source: "m.onnx").kind == .malformedInput)
        #expect(ModelError.writeFailed(path: "m.onnx", reason: "disk full").kind == .io)
    }
}
