import Foundation
import Testing
@testable import OptKit

/// Folders of ONNX backend test cases (`<case>/model.onnx`): Debian's libonnx-testdata (about
/// a thousand models, opsets up to 17) and, when scripts/gen-node-tests has written it, the
/// current onnx release's node cases (about 1,900, newest opsets and element types).
private let backendDataRoots = [
    "/usr/share/libonnx-testdata/data",
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../.testdata/onnx-node").standardized.path,
].filter { FileManager.default.fileExists(atPath: $0) }

/// Runs the loader, the saver and shape inference over ONNX's own backend test models, written
/// by ONNX's Python tools. Skipped where none of the folders exists.
@Suite("ONNX backend models", .enabled(if: !backendDataRoots.isEmpty))
struct BackendModelsTests {
    static func modelFiles() -> [URL] {
        backendDataRoots.flatMap { given -> [URL] in
            let root = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
            return enumerator.compactMap { $0 as? String }
                .filter { $0.hasSuffix("model.onnx") }
                .sorted()
                .map { URL(fileURLWithPath: root).appendingPathComponent($0) }
        }
    }

    /// The proto with every tensor's data put in one form (raw_data), so that a file that used
    /// typed fields compares equal to our raw_data save in meaning.
    static func normalized(_ proto: Onnx_ModelProto) throws -> Onnx_ModelProto {
        var copy = proto
        let reader = ExternalDataReader(baseDirectory: nil)
        for index in copy.graph.initializer.indices {
            if case .dense(let tensor) = try TensorProtoCoding.decode(copy.graph.initializer[index], name: "", externalData: reader) {
                TensorProtoCoding.fill(&copy.graph.initializer[index], from: tensor)
            }
        }
        for n in copy.graph.node.indices {
            for a in copy.graph.node[n].attribute.indices where copy.graph.node[n].attribute[a].type == .tensor {
                if case .dense(let tensor) = try TensorProtoCoding.decode(copy.graph.node[n].attribute[a].t, name: "", externalData: reader) {
                    TensorProtoCoding.fill(&copy.graph.node[n].attribute[a].t, from: tensor)
                }
            }
        }
        return copy
    }

    @Test func everyModelLoadsAndSavesToTheSameMeaning() throws {
        var loaded = 0
        for url in Self.modelFiles() {
            let model = try Model.load(contentsOf: url)
            let original = try Onnx_ModelProto(serializedBytes: Data(contentsOf: url))
            let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
            #expect(try Self.normalized(saved) == Self.normalized(original), "\(url.path)")
            loaded += 1
        }
        #expect(loaded > 0)
    }

    @Test func inferredTypesAgreeWithTheDeclaredOnes() throws {
        var checked = 0
        var disagreements: [String] = []
        for url in Self.modelFiles() {
            let model = try Model.load(contentsOf: url)
            let ops = Set(model.graph.nodes.map(\.opType))
            guard ops.allSatisfy({ InferenceRules.all[$0] != nil }), model.graph.nodes.allSatisfy({ KernelRegistry.isDefaultDomain($0.domain) }) else { continue }
            checked += 1
            let result = model.graph.inferTypes(opsets: model.opsetImports)
            if !result.issues.isEmpty {
                disagreements.append("\(url.deletingLastPathComponent().lastPathComponent): \(result.issues.map(\.description).joined(separator: "; "))")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(checked) models:\n\(disagreements.joined(separator: "\n"))")
        #expect(checked > 0)
    }
}
