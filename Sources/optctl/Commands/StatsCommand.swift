import ArgumentParser
import OptKit

struct StatsCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show dashboard statistics: models, sessions by outcome, average gains.",
        discussion: "The same figures, under the same JSON names, as GET /dashboard/stats.")

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        let stats = await platform.dashboardStats()
        if output.json {
            output.printJSON(stats)
            return
        }
        let rows: [(String, String)] = [
            ("Models", "\(stats.totalModels)"),
            ("Sessions", "\(stats.totalSessions)"),
            ("Active (pending + running)", "\(stats.activeOptimizations)"),
            ("Completed", "\(stats.completedOptimizations)"),
            ("Failed", "\(stats.failedOptimizations)"),
            ("Average size reduction", Formatting.percent(stats.averageSizeReduction)),
            ("Average speed improvement", Formatting.percent(stats.averageSpeedImprovement)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            output.line(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
        for warning in stats.warnings ?? [] {
            output.line(output.style.yellow("warning: ") + warning)
        }
    }
}
