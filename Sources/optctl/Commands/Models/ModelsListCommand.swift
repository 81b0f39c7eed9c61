import ArgumentParser
import Foundation
import OptKit

struct ModelsListCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List registered models, newest first.")

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let models = try await platform.models.list()
        if output.json {
            output.printJSON(["models": models])
            return
        }
        if output.quiet {
            models.forEach { output.line($0.id) }
            return
        }
        if models.isEmpty {
            output.line("No models registered. Add one with: optctl models add PATH")
            return
        }
        var table = Table("MODEL", "NAME", "SIZE", "REGISTERED", "PATH")
        for model in models {
            let missing = FileManager.default.fileExists(atPath: model.path) ? "" : output.style.red(" (missing)")
            table.add(model.id, model.name, Formatting.bytes(model.bytes), Formatting.time(model.createdAt), model.path + missing)
        }
        output.line(table.render(style: output.style))
    }
}
