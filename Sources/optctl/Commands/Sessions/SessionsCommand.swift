import ArgumentParser

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List and inspect optimization sessions.",
        subcommands: [SessionsListCommand.self, SessionsShowCommand.self],
        defaultSubcommand: SessionsListCommand.self)
}
