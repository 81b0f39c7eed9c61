import Foundation
import Testing
@testable import OptKit

@Suite("ONNX external data")
struct ExternalDataTests {
    typealias P = ProtoBuilder

    /// A model whose 4-float weight lives in `location` at `offset`, written into `folder`
    /// together with a data file holding padding then the weights.
    static func writeModel(in folder: URL, location: String, offset: Int? = 16, length: Int? = 16, dataFile: String? = "weights.bin") throws -> URL {
        if let dataFile {
            var data = Data(repeating: 0xEE, count: 16)
            data += [Float(1), 2, 3, 4].withUnsafeBytes { Data($0) }
            try data.write(to: folder.appendingPathComponent(dataFile))
        }
        let model = P.model(
            nodes: [P.node("Add", ["x", "w"], ["y"], name: "add")],
            inputs: [P.valueInfo("x", .float, [4])], outputs: [P.valueInfo("y", .float, [4])],
            initializers: [P.externalTensor("w", dims: [4], location: location, offset: offset, length: length)])
        let url = folder.appendingPathComponent("model.onnx")
        try P.serialized(model).write(to: url)
        return url
    }

    private func loadError(_ url: URL) -> ModelError? {
        do {
            _ = try Model.load(contentsOf: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func loadsRelativeToTheModelFolder() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.writeModel(in: folder, location: "weights.bin")
        let model = try Model.load(contentsOf: url)
        #expect(model.graph.initializers["w"]?.elements(Float.self) == [1, 2, 3, 4])
        #expect(model.externalDataFiles == ["weights.bin": 32])

        // Without a length, the data runs to the end of the file.
        let open = try Self.writeModel(in: folder, location: "weights.bin", length: nil)
        #expect(try Model.load(contentsOf: open).graph.initializers["w"]?.elements(Float.self) == [1, 2, 3, 4])

        let report = try ModelInspector.inspect(contentsOf: url)
        let modelBytes = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(report.fileBytes == modelBytes + 32)
    }

    @Test func savingKeepsWeightsExternalAndTheDataFileIsReadable() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Model.load(contentsOf: Self.writeModel(in: folder, location: "weights.bin"))
        let out = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }

        // Every initializer of at least `threshold` bytes goes to the data file.
        let url = out.appendingPathComponent("copy.onnx")
        try model.write(to: url, externalData: .file(threshold: 0))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("copy.onnx.data").path))
        let reloaded = try Model.load(contentsOf: url)
        #expect(reloaded.graph.initializers["w"]?.elements(Float.self) == [1, 2, 3, 4])
        #expect(reloaded.externalDataFiles.keys.sorted() == ["copy.onnx.data"])

        let inline = out.appendingPathComponent("inline.onnx")
        try model.write(to: inline, externalData: .inline)
        #expect(try Model.load(contentsOf: inline).externalDataFiles.isEmpty)
        #expect(try Model.load(contentsOf: inline).graph.initializers["w"]?.elements(Float.self) == [1, 2, 3, 4])
    }

    @Test func aPathWithDotDotIsRefused() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inner = folder.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        _ = try Self.writeModel(in: folder, location: "unused", dataFile: "weights.bin")
        let url = try Self.writeModel(in: inner, location: "../weights.bin", dataFile: nil)
        #expect(loadError(url) == .externalData(tensor: "w", location: "../weights.bin", reason: "'..' is not allowed; external data must be inside the model's folder"))
    }

    @Test func anAbsolutePathIsRefused() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let absolute = folder.appendingPathComponent("weights.bin").path
        let url = try Self.writeModel(in: folder, location: absolute)
        guard case .externalData(tensor: "w", location: absolute, let reason)? = loadError(url) else {
            Issue.record("absolute path accepted")
            return
        }
        #expect(reason.contains("absolute"))
    }

    @Test func aSymbolicLinkOutOfTheFolderIsRefused() throws {
        let outside = try P.temporaryFolder()
        let folder = try P.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: outside)
            try? FileManager.default.removeItem(at: folder)
        }
        _ = try Self.writeModel(in: outside, location: "weights.bin")
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link.bin"), withDestinationURL: outside.appendingPathComponent("weights.bin"))
        let url = try Self.writeModel(in: folder, location: "link.bin", dataFile: nil)
        #expect(loadError(url) == .externalData(tensor: "w", location: "link.bin", reason: "resolves to a file outside the model's folder"))
    }

    @Test func aMissingFileIsReported() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.writeModel(in: folder, location: "absent.bin", dataFile: nil)
        #expect(loadError(url) == .externalData(tensor: "w", location: "absent.bin", reason: "file not found"))
    }

    @Test func offsetAndLengthAreCheckedAgainstTheFile() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let past = try Self.writeModel(in: folder, location: "weights.bin", offset: 64, length: 16)
        #expect(loadError(past) == .externalData(tensor: "w", location: "weights.bin", reason: "offset 64 is past the end of the file (32 bytes)"))
        let long = try Self.writeModel(in: folder, location: "weights.bin", offset: 16, length: 1 << 40)
        guard case .externalData(tensor: "w", location: "weights.bin", let reason)? = loadError(long) else {
            Issue.record("a length beyond the file was accepted")
            return
        }
        #expect(reason.contains("past the end"))
        let short = try Self.writeModel(in: folder, location: "weights.bin", offset: 16, length: 8)
        #expect(loadError(short) == .externalData(tensor: "w", location: "weights.bin", reason: "holds 8 bytes but the tensor's dims need 16"))
    }

    @Test func modelDataWithoutAFolderCannotUseExternalData() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try Data(contentsOf: Self.writeModel(in: folder, location: "weights.bin"))
        #expect(throws: ModelError.externalData(tensor: "w", location: "weights.bin", reason: "the model was read from memory, so there is no folder to look in")) {
            try Model(serializedData: data)
        }
        #expect(try Model(serializedData: data, baseDirectory: folder).graph.initializers["w"]?.count == 4)
    }
}
