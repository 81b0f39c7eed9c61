import ArgumentParser
import Foundation
import Logging
import OptKit

@main
struct Optctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optctl",
        abstract: "Make neural-network models for robots smaller and faster, with measured numbers.",
        discussion: """
            Every command works on one home folder holding the SQLite store (--home, $OPTCTL_HOME, \
            $XDG_DATA_HOME/optctl or ~/.local/share/optctl). With --json, commands print stable \
            snake_case JSON (docs/json.md). Exit codes: 0 success, 1 failure, 3 conflict, 4 not found, \
            5 criteria not met, 64 invalid usage, 65 malformed input, 130 cancelled.
            """,
        version: OptKitVersion.string,
        subcommands: [
            StatsCommand.self,
            RunCommand.self,
            TechniquesCommand.self,
            InspectCommand.self,
            BenchCommand.self,
            CheckCommand.self,
            SessionsCommand.self,
            ConfigCommand.self,
            ModelsCommand.self,
            ServeCommand.self,
            UsersCommand.self,
            ShellCommand.self,
        ])

    /// Log lines go to stderr so they never mix with results on stdout. The level comes from
    /// $OPTCTL_LOG_LEVEL (trace … critical); the default shows notices such as a schema upgrade.
    static func main() async {
        let level = ProcessInfo.processInfo.environment["OPTCTL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        await main(nil)
    }
}
