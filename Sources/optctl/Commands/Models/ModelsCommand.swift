import ArgumentParser

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Register and list model files.",
        subcommands: [ModelsAddCommand.self, ModelsListCommand.self],
        defaultSubcommand: ModelsListCommand.self)
}
