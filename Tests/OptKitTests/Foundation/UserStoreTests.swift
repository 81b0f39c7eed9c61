import Foundation
import OptKit
import Testing

@Suite struct UserStoreTests {
    func account(_ name: String, _ role: UserRole = .engineer) -> UserAccount {
        UserAccount(name: name, role: role, passwordHash: "$2b$04$hash-of-\(name)", createdAt: Timestamp.now())
    }

    @Test func usersAreAddedListedByNameAndRemoved() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        try await platform.users.add(account("zoe", .viewer))
        try await platform.users.add(account("ada", .admin))
        #expect(try await platform.users.list().map(\.name) == ["ada", "zoe"])
        #expect(try await platform.users.count() == 2)
        let ada = try #require(try await platform.users.user(named: "ada"))
        #expect(ada.role == .admin && ada.passwordHash == "$2b$04$hash-of-ada")
        try await platform.users.remove(named: "zoe")
        #expect(try await platform.users.user(named: "zoe") == nil)
        await #expect(throws: NotFound.self) { try await platform.users.remove(named: "zoe") }
    }

    @Test func aTakenNameIsAConflict() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        try await platform.users.add(account("eve"))
        let error = await #expect(throws: UserExists.self) { try await platform.users.add(account("eve", .admin)) }
        #expect(error?.kind == .conflict)
        #expect(try await platform.users.user(named: "eve")?.role == .engineer)
    }

    @Test func listingsNeverShowTheHash() throws {
        let text = JSONCoding.string(account("eve"))
        #expect(!text.contains("hash"))
        #expect(text.contains("\"role\":\"engineer\""))
    }

    @Test func namesAreChecked() {
        for good in ["ada", "eve.smith", "ci-bot_2", "X"] {
            #expect(throws: Never.self) { try UserAccount.validateName(good) }
        }
        for bad in ["", "-ada", "a b", "ada/..", String(repeating: "a", count: 65), "émile"] {
            #expect(throws: InvalidRequest.self) { try UserAccount.validateName(bad) }
        }
    }

    @Test func rolesAreOrdered() {
        #expect(UserRole.admin > .engineer && UserRole.engineer > .viewer)
    }
}
