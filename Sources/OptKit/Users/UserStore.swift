/// The server's users. The SQLite implementation lives beside the other stores; another
/// backend only has to implement these five calls.
public protocol UserStore: Sendable {
    /// Adds a user; `UserExists` when the name is taken.
    func add(_ user: UserAccount) async throws
    /// The user, or nil when there is none with this name.
    func user(named name: String) async throws -> UserAccount?
    /// Every user, by name.
    func list() async throws -> [UserAccount]
    /// Removes a user; `NotFound` when there is none with this name.
    func remove(named name: String) async throws
    func count() async throws -> Int
}
