import ArgumentParser
import OptKit

struct UsersListCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the users of optctl serve, by name.")

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let users = try await platform.users.list()
        if output.json {
            output.printJSON(["users": users])
            return
        }
        if output.quiet {
            users.forEach { output.line($0.name) }
            return
        }
        if users.isEmpty {
            output.line("No users. Add the first admin with: optctl users add NAME --role admin")
            return
        }
        var table = Table("NAME", "ROLE", "ADDED")
        for user in users {
            table.add(user.name, user.role.rawValue, Formatting.time(user.createdAt))
        }
        output.line(table.render(style: output.style))
    }
}
