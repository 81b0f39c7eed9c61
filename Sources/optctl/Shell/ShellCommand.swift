import ArgumentParser
import Foundation
import OptKit

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "An interactive prompt over the same commands (history, tab completion).",
        discussion: """
            Type commands without the leading `optctl`, e.g. `sessions list --status running`. \
            Tab completes subcommands and options; history is kept in the home folder \
            (shell_history). Ctrl-D or `exit` leaves.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = Output(json: false, quiet: global.quiet)
        let configuration = global.configuration
        // Commands typed in the shell act on the shell's home and user unless they say otherwise.
        setenv("OPTCTL_HOME", configuration.home.path, 1)
        setenv("OPTCTL_USER", configuration.user, 1)
        do {
            _ = try Platform(configuration: configuration)  // fail now, not at the first command
        } catch {
            throw output.report(error)
        }
        let tree = CommandTree.load()
        let editor = LineEditor(historyPath: configuration.home.appendingPathComponent("shell_history").path) { words, prefix in
            tree?.candidates(preceding: words, prefix: prefix) ?? []
        }
        defer { editor.saveHistory() }
        if !global.quiet, isatty(STDIN_FILENO) == 1 {
            output.line("optctl \(OptKitVersion.string) shell on \(configuration.home.path). Tab completes; Ctrl-D leaves.")
        }
        while let line = editor.readLine(prompt: "optctl> ") {
            let words: [String]
            do {
                words = try ShellWords.split(line)
            } catch {
                Console.error("optctl: error: \(error)")
                continue
            }
            guard let first = words.first else { continue }
            if first == "exit" || first == "quit" { break }
            if first == "shell" {
                Console.error("optctl: error: already in the shell")
                continue
            }
            await Self.execute(words)
        }
    }

    /// Runs one command line. Errors are printed and the shell goes on.
    static func execute(_ words: [String]) async {
        do {
            var command = try Optctl.parseAsRoot(words)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            _ = error  // the command already printed its error
        } catch {
            let message = Optctl.fullMessage(for: error)
            if !message.isEmpty {
                let isError = Optctl.exitCode(for: error) != .success
                if isError { Console.error(message) } else { Console.out(message) }
            }
        }
    }
}
