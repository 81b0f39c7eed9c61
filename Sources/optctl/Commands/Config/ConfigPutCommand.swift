import ArgumentParser
import OptKit

struct ConfigPutCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Replace the optimization criteria with a JSON document.",
        discussion: """
            The document is validated first; nothing is written if any rule fails. When it carries \
            "version", the write happens only if that is still the current version (exit 3 otherwise); \
            without it, the last writer wins.
            """)

    @Argument(help: ArgumentHelp("The criteria JSON file, or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let document = try CriteriaSource(path: file).read()
        let stored = try await platform.putCriteria(document)
        if output.json {
            output.printJSON(stored)
        } else {
            output.note("Criteria '\(stored.criteria.name)' stored as version \(stored.version).")
        }
    }
}
