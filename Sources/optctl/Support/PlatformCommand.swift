import ArgumentParser
import Foundation
import OptKit

/// A command that works on the platform of one home folder. Its `run()` opens the platform,
/// calls `execute`, and turns any error into one line on stderr (plus a JSON error object on
/// stdout with --json) and the documented exit code. Never a stack trace.
protocol PlatformCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func execute(platform: Platform, output: Output) async throws
}

extension PlatformCommand {
    mutating func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        do {
            let platform = try Platform(configuration: global.configuration)
            await platform.recoverAbandonedSessions()
            try await execute(platform: platform, output: output)
        } catch {
            throw output.report(error)
        }
    }
}
