import ArgumentParser
import OptKit

struct ConfigGetCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the current optimization criteria as JSON (with its version).",
        discussion: "The output can be edited and given back to `optctl config put`; its version makes that write conditional.")

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        // The document is JSON in both modes: it is meant to be edited and put back.
        output.printJSON(try await platform.criteria.current())
    }
}
