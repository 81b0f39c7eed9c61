import ArgumentParser
import OptKit

struct UsersRemoveCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a user.",
        discussion: "A running optctl serve stops accepting their tokens within a few seconds. Sessions they own are kept.")

    @Argument(help: ArgumentHelp("The user name.", valueName: "name"))
    var name: String

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        try await platform.users.remove(named: name)
        output.note("Removed \(name).")
    }
}
