import Foundation

/// What a server user may do (contracts: Identity and roles).
///
/// - admin: everything, including config changes and user management.
/// - engineer: starts, views and cancels their own sessions; uploads models; reads config.
/// - viewer: reads every session, the stats, models and config; changes nothing.
public enum UserRole: String, Codable, Sendable, CaseIterable, Comparable {
    case admin, engineer, viewer

    /// admin > engineer > viewer, so "at least engineer" reads as `role >= .engineer`.
    private var rank: Int {
        switch self {
        case .viewer: 0
        case .engineer: 1
        case .admin: 2
        }
    }

    public static func < (lhs: UserRole, rhs: UserRole) -> Bool { lhs.rank < rhs.rank }
}

/// A user of `optctl serve`. The name is the same identity that owns sessions (contracts: a
/// server user with the CLI user's name owns the CLI's sessions too).
///
/// The password hash is produced and checked by the server (bcrypt); OptKit only stores it.
public struct UserAccount: Codable, Equatable, Sendable {
    public var name: String
    public var role: UserRole
    /// A bcrypt hash (`$2b$…`); never a password.
    public var passwordHash: String
    public var createdAt: Date

    public init(name: String, role: UserRole, passwordHash: String, createdAt: Date) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }

    /// Listings never show the hash.
    enum CodingKeys: String, CodingKey {
        case name, role, createdAt = "created_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        role = try c.decode(UserRole.self, forKey: .role)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        passwordHash = ""
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(createdAt, forKey: .createdAt)
    }

    /// User names: 1 to 64 characters of letters, digits, `.`, `_` and `-`, starting with a
    /// letter or digit, so a name is safe in a log line, a token and a file name.
    public static func validateName(_ name: String) throws(InvalidRequest) {
        let scalars = name.unicodeScalars
        let allowed = scalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0)) }
        let first = scalars.first.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) } ?? false
        guard (1...64).contains(name.count), allowed, first else {
            throw InvalidRequest([FieldProblem(
                field: "name", value: .string(name),
                message: "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")])
        }
    }
}

/// A user name that is already taken.
public struct UserExists: UserFacingError, Equatable {
    public let name: String

    public init(name: String) {
        self.name = name
    }

    public var kind: ErrorKind { .conflict }
    public var message: String { "a user named '\(name)' already exists" }
}
