import ArgumentParser
import OptKit

/// Needs no store: validation is a pure function of the document.
struct ConfigValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a criteria JSON document against every rule without storing it.",
        discussion: "Exit 0 when valid, 64 when a value is invalid, 3 when values conflict, 65 when the JSON is malformed.")

    @Argument(help: ArgumentHelp("The criteria JSON file, or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        do {
            try validate(output: output)
        } catch {
            throw output.report(error)
        }
    }

    func validate(output: Output) throws {
        let document = try CriteriaSource(path: file).read()
        try CriteriaValidator.validate(document.criteria)
        if output.json {
            output.printJSON(["valid": true])
        } else {
            output.note("\(file == "-" ? "The document" : file) is valid.")
        }
    }
}
