import Foundation
import GRDB
import OptKit
import Synchronization
import Testing

/// Store features the server relies on: the owner filter, model deletion, transient retries.
@Suite struct ServerStoreSupportTests {
    @Test func theOwnerFilterListsAndCountsOneUsersSessions() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        for owner in ["eve", "ed", "eve"] {
            _ = try await platform.sessions.create(NewSession(modelID: "m", modelName: "m", techniques: ["fp16"], owner: owner))
        }
        let page = try await platform.sessions.list(SessionFilter().owned(by: "eve"))
        #expect(page.total == 2)
        #expect(page.sessions.allSatisfy { $0.owner == "eve" })
        let pending = try await platform.sessions.list(SessionFilter(status: "pending").owned(by: "ed"))
        #expect(pending.total == 1)
    }

    @Test func aModelIsDeletedUnlessAnActiveSessionUsesIt() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let path = directory.path("m.onnx")
        try writeTinyModel(to: path)
        let record = try await ModelRegistrar(store: platform.models).register(path: path).record
        let session = try await platform.sessions.create(NewSession(modelID: record.id, modelName: record.name, techniques: ["fp16"], owner: "eve"))
        let error = await #expect(throws: ModelInUse.self) { try await platform.models.delete(id: record.id) }
        #expect(error?.kind == .conflict)
        try await platform.sessions.apply(.cancel(reason: "test"), to: session.id)
        #expect(try await platform.models.delete(id: record.id) == record)
        #expect(try await platform.models.count() == 0)
        await #expect(throws: NotFound.self) { try await platform.models.delete(id: record.id) }
    }

    @Test func busyFailuresAreRetriedAFewTimesOthersNot() async throws {
        let calls = Mutex(0)
        let value = try await TransientRetry.run { () async throws -> Int in
            let call = calls.withLock { $0 += 1; return $0 }
            if call < 3 { throw DatabaseError(resultCode: .SQLITE_BUSY) }
            return 7
        }
        #expect(value == 7 && calls.withLock { $0 } == 3)

        calls.withLock { $0 = 0 }
        await #expect(throws: DatabaseError.self) {
            try await TransientRetry.run { () async throws -> Int in
                calls.withLock { $0 += 1 }
                throw DatabaseError(resultCode: .SQLITE_LOCKED)
            }
        }
        #expect(calls.withLock { $0 } == TransientRetry.attempts)

        calls.withLock { $0 = 0 }
        await #expect(throws: NotFound.self) {
            try await TransientRetry.run { () async throws -> Int in
                calls.withLock { $0 += 1 }
                throw NotFound(entity: "session", id: "x")
            }
        }
        #expect(calls.withLock { $0 } == 1)
    }
}
