import ArgumentParser
import OptKit

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the users of optctl serve.",
        discussion: """
            Roles: admin (everything, including criteria changes), engineer (starts, views and \
            cancels own sessions, uploads models), viewer (reads sessions, stats, models and \
            criteria). Passwords are stored as bcrypt hashes; there is no default user or password.
            """,
        subcommands: [UsersAddCommand.self, UsersListCommand.self, UsersRemoveCommand.self],
        defaultSubcommand: UsersListCommand.self)
}

extension UserRole: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument)
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
