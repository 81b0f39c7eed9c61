import Foundation
import OptKit
import Testing

@Suite struct ModelRegistryTests {
    @Test func theSameBytesAreOneModel() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let registrar = ModelRegistrar(store: platform.models)
        try writeTinyModel(to: directory.path("a.onnx"))
        try FileManager.default.copyItem(atPath: directory.path("a.onnx"), toPath: directory.path("copy.onnx"))
        let first = try await registrar.register(path: directory.path("a.onnx"), name: "policy")
        let second = try await registrar.register(path: directory.path("copy.onnx"))
        #expect(first.created && !second.created)
        #expect(second.record == first.record)
        #expect(first.record.id == String(first.record.sha256.prefix(16)))
        #expect(first.record.bytes > 0 && first.record.name == "policy")
        #expect(try await platform.models.count() == 1)
    }

    @Test func hashIsTheFilesSHA256() throws {
        let directory = try TemporaryDirectory()
        try Data("abc".utf8).write(to: URL(fileURLWithPath: directory.path("abc.onnx")))
        let (digest, bytes) = try ModelRegistrar.hashFile(at: directory.path("abc.onnx"))
        #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(bytes == 3)
    }

    @Test func missingFilesDirectoriesAndNonModelsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let registrar = ModelRegistrar(store: platform.models)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.path("notes.onnx")))
        try FileManager.default.createDirectory(atPath: directory.path("dir.onnx"), withIntermediateDirectories: true)
        for path in ["missing.onnx", "dir.onnx"] {
            await #expect(throws: InputError.self) { try await registrar.register(path: directory.path(path)) }
        }
        await #expect(throws: ModelError.self) { try await registrar.register(path: directory.path("notes.onnx")) }
        #expect(try await platform.models.count() == 0)
    }
}
