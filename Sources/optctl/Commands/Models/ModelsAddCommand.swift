import ArgumentParser
import OptKit

struct ModelsAddCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register an ONNX model file.",
        discussion: "The file stays where it is; its sha256 identifies it, so registering the same bytes twice returns the existing model.")

    @Argument(help: ArgumentHelp("The .onnx file.", valueName: "path"))
    var path: String

    @Option(help: ArgumentHelp("A display name (default: the file name).", valueName: "name"))
    var name: String?

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let (record, created) = try await ModelRegistrar(store: platform.models).register(path: path, name: name)
        if output.json {
            output.printJSON(record)
        } else if output.quiet {
            output.line(record.id)
        } else {
            output.line(created
                ? "Registered \(record.name) as \(record.id) (\(Formatting.bytes(record.bytes)))."
                : "Already registered as \(record.id) (\(record.name)); same sha256.")
        }
    }
}
