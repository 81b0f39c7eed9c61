import Foundation
import Hummingbird
import NIOCore
import OptKit
import Testing

@testable import OptServe

@Suite struct ModelsTests {
    func files(in platform: Platform) -> [String] {
        let folder = platform.configuration.home.appendingPathComponent("models")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    func upload(_ client: Fixture.Client, _ bytes: Data, name: String = "arm", as user: String = "eve",
                type: String = "application/octet-stream") async throws -> Fixture.Reply {
        try await client.request(.post, "/models?name=\(name)", as: user, body: ByteBuffer(bytes: bytes), headers: [.contentType: type])
    }

    @Test func anUploadIsStoredByContentAndRegistered() async throws {
        let platform = try Fixture.makePlatform()
        try await Fixture(platform: platform).test { client in
            let model = try tinyModelBytes(variant: "arm")
            let reply = try await upload(client, model)
            #expect(reply.status == .created)
            let json = try reply.json()
            let id = try #require(json["model_id"]?.stringValue)
            #expect(json["name"] == .string("arm"))
            #expect(json["bytes"] == .number(Double(model.count)))
            #expect(reply.headers[.location] == "/models/\(id)")
            #expect(files(in: platform) == ["\(id).onnx"])
            let again = try await upload(client, model, name: "again")
            #expect(again.status == .ok)
            #expect(try again.json()["model_id"]?.stringValue == id)
            #expect(files(in: platform) == ["\(id).onnx"])
            let listed = try await client.request(.get, "/models", as: "vic").json()
            #expect(listed["total"] == .number(1))
            #expect(try await client.request(.get, "/models/\(id)", as: "vic").json()["sha256"] == json["sha256"])
        }
    }

    @Test func rejectedUploadsLeaveNothingBehind() async throws {
        let platform = try Fixture.makePlatform()
        let fixture = try await Fixture(platform: platform, adjust: { $0.maxUploadBytes = 2048 })
        try await fixture.test { client in
            let invalid = try await upload(client, Data("GIF89a not a model".utf8))
            #expect(invalid.status == .badRequest)
            #expect(try invalid.errorCode() == "validation_error")
            let large = try await upload(client, try tinyModelBytes(variant: String(repeating: "w", count: 4096)))
            #expect(large.status == .contentTooLarge)
            #expect(try large.errorCode() == "payload_too_large")
            let wrongType = try await upload(client, try tinyModelBytes(), type: "application/json")
            #expect(wrongType.status == .unsupportedMediaType)
            let empty = try await upload(client, Data())
            #expect(empty.status == .badRequest)
            let badName = try await client.request(
                .post, "/models?name=", as: "eve", body: ByteBuffer(bytes: try tinyModelBytes()), headers: [.contentType: "application/octet-stream"])
            #expect(badName.status == .badRequest)
            #expect(files(in: platform).isEmpty)
            #expect(try await platform.models.count() == 0)
        }
    }

    @Test func deletingAModel() async throws {
        let platform = try Fixture.makePlatform()
        let kept = try await registerModel(platform, name: "kept")
        let busy = try await registerModel(platform, name: "busy")
        _ = try await makeSession(platform, owner: "eve", model: busy, status: .running)
        try await Fixture(platform: platform).test { client in
            let uploaded = try await upload(client, try tinyModelBytes()).json()["model_id"]?.stringValue ?? ""
            #expect(try await client.request(.delete, "/models/\(uploaded)", as: "ada").status == .noContent)
            #expect(files(in: platform).isEmpty)
            #expect(try await client.request(.get, "/models/\(uploaded)", as: "ada").status == .notFound)
            // A model registered from elsewhere keeps its file.
            #expect(try await client.request(.delete, "/models/\(kept.id)", as: "ada").status == .noContent)
            #expect(FileManager.default.fileExists(atPath: kept.path))
            let inUse = try await client.request(.delete, "/models/\(busy.id)", as: "ada")
            #expect(inUse.status == .conflict)
            #expect(try await client.request(.delete, "/models/nope", as: "ada").status == .notFound)
        }
    }
}
