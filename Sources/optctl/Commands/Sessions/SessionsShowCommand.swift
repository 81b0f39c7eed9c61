import ArgumentParser
import OptKit

struct SessionsShowCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one session with its measured results and their provenance.",
        discussion: "--json prints the session with its whole results document (docs/metrics.md).")

    @Argument(help: ArgumentHelp("The session id.", valueName: "id"))
    var id: String

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let session = try await platform.sessions.session(id: id)
        if output.json {
            output.printJSON(session)
            return
        }
        var rows: [(String, String)] = [
            ("Session", session.id),
            ("Model", "\(session.modelName) (\(session.modelID))"),
            ("Status", output.style.status(session.status) + (session.cancelRequested ? " (cancel requested)" : "")),
            ("Progress", Formatting.percent(session.progressPercentage) + (session.currentStep.map { " - \($0)" } ?? "")),
            ("Techniques", session.techniques.joined(separator: ", ")),
            ("Owner", session.owner),
            ("Size reduction", Formatting.percent(session.sizeReductionPercent)),
            ("Speed improvement", Formatting.percent(session.speedImprovementPercent)),
            ("Accuracy retention", Formatting.percent(session.accuracyRetentionPercent)),
            ("Created", Formatting.utc(session.createdAt)),
            ("Updated", Formatting.utc(session.updatedAt)),
            ("Completed", session.completedAt.map(Formatting.utc) ?? "-"),
        ]
        if let type = session.errorType { rows.append(("Error type", type.rawValue)) }
        if let message = session.errorMessage { rows.append(("Error", message)) }
        if let results = session.results, results != .object([:]) {
            rows += ResultsView(results: results, style: output.style).lines()
        }
        LabelledRows.print(rows, output: output)
    }
}
