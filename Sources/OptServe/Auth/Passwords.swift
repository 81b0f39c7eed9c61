import HummingbirdBcrypt
import NIOPosix
import OptKit

/// bcrypt hashing (hummingbird-auth). Hashing and checking take a deliberate quarter second at
/// the default cost, so both run on NIO's thread pool, never on an event loop.
public struct Passwords: Sendable {
    public static let defaultCost: UInt8 = 12
    /// bcrypt reads at most 72 bytes; a longer password would be silently truncated.
    public static let maximumBytes = 72
    public static let minimumLength = 8

    public let cost: UInt8

    public init(cost: UInt8 = Passwords.defaultCost) {
        self.cost = cost
    }

    /// Checks the rules a new password must meet, naming the problem.
    public static func validate(_ password: String) throws(InvalidRequest) {
        if password.count < minimumLength {
            throw InvalidRequest([FieldProblem(field: "password", value: nil, message: "must be at least \(minimumLength) characters")])
        }
        if password.utf8.count > maximumBytes {
            throw InvalidRequest([FieldProblem(field: "password", value: nil, message: "must be at most \(maximumBytes) bytes (bcrypt's limit)")])
        }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
