import ArgumentParser
import Foundation
import OptKit

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Read, replace and check the optimization criteria.",
        discussion: "The criteria document is the seed's OptimizationCriteria; docs/criteria.md lists its fields and rules.",
        subcommands: [ConfigGetCommand.self, ConfigPutCommand.self, ConfigValidateCommand.self])
}

/// A criteria document named on the command line: a file path, or `-` for standard input.
struct CriteriaSource {
    let path: String

    func read() throws -> CriteriaDocument {
        let data: Data
        let source: String
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
            source = "standard input"
        } else {
            data = try InputError.readFile(at: path)
            source = path
        }
        return try CriteriaDocument(json: InputError.parseJSON(data, source: source))
    }
}

