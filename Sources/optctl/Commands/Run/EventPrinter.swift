import Foundation
import OptKit

/// Shows a run as it happens: NDJSON events with --json (contracts.md), a progress line on a
/// terminal otherwise, and at the end the session with its results.
struct EventPrinter: Sendable {
    let output: Output
    private let progressLine: ProgressLine?

    init(output: Output) {
        self.output = output
        progressLine = !output.json && !output.quiet && ProgressLine.isTerminal ? ProgressLine() : nil
    }

    func show(_ event: SessionEvent) {
        if output.json {
            Console.out("{\"event\":\"\(event.name)\",\"data\":\(event.payloadJSON())}")
        } else {
            progressLine?.show(event)
        }
    }

    func finish(_ session: Session) {
        progressLine?.finish()
        if output.json {
            Console.out("{\"event\":\"session\",\"data\":\(JSONCoding.string(session))}")
            return
        }
        if output.quiet {
            output.line(session.id)
            return
        }
        var rows: [(String, String)] = [
            ("Session", "\(session.id) \(output.style.status(session.status))"),
            ("Model", "\(session.modelName) (\(session.modelID)), \(session.techniques.joined(separator: ", "))"),
        ]
        if session.status == .completed || session.errorType == .criteriaNotMet {
            rows.append(("Figures", "size reduction \(Formatting.percent(session.sizeReductionPercent)), speed improvement \(Formatting.signedPercent(session.speedImprovementPercent)), accuracy retention \(Formatting.percent(session.accuracyRetentionPercent))"))
        }
        if let results = session.results {
            rows += ResultsView(results: results, style: output.style).lines()
        }
        LabelledRows.print(rows, output: output)
        if let message = session.errorMessage, session.status != .completed {
            Console.error("optctl: \(session.status == .cancelled ? "cancelled" : "error"): \(message)")
        }
    }
}
