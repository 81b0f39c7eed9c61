import ArgumentParser
import OptKit

struct SessionsListCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sessions, newest first.",
        discussion: "Filters and paging as GET /optimization/sessions: the JSON output is its SessionListResponse.")

    @Option(help: ArgumentHelp("Only sessions with this status: pending, running, completed, failed, cancelled.", valueName: "status"))
    var status: String?

    @Option(help: ArgumentHelp("Only sessions of this model id.", valueName: "model-id"))
    var model: String?

    @Option(help: ArgumentHelp("Only sessions created at or after this date or time (ISO-8601, e.g. 2026-11-01).", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("Only sessions created at or before this date or time (ISO-8601).", valueName: "date"))
    var until: String?

    @Option(help: ArgumentHelp("Skip this many sessions (for paging; write --skip=N for negative N).", valueName: "n"))
    var skip: String?

    @Option(help: ArgumentHelp("Show at most this many sessions, 1 to 100 (default 50).", valueName: "n"))
    var limit: String?

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let filter = try SessionFilter(
            status: status, modelID: model, startDate: since, endDate: until, skip: skip, limit: limit)
        let page = try await platform.sessions.list(filter)
        if output.json {
            output.printJSON(page)
            return
        }
        if output.quiet {
            page.sessions.forEach { output.line($0.id) }
            return
        }
        if page.sessions.isEmpty {
            output.line(page.total == 0 ? "No sessions match." : "No sessions on this page (\(page.total) match; skip is \(page.skip)).")
            return
        }
        var table = Table("SESSION", "MODEL", "STATUS", "PROGRESS", "TECHNIQUES", "SIZE", "SPEED", "CREATED")
        for session in page.sessions {
            table.add(
                session.id, session.modelName, output.style.status(session.status),
                Formatting.percent(session.progressPercentage), session.techniques.joined(separator: ","),
                Formatting.percent(session.sizeReductionPercent), Formatting.percent(session.speedImprovementPercent),
                Formatting.time(session.createdAt))
        }
        output.line(table.render(style: output.style))
        let shownEnd = page.skip + page.sessions.count
        output.line(output.style.dim("\(page.skip + 1)-\(shownEnd) of \(page.total)"))
    }
}
