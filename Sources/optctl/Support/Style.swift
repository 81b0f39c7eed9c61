import Foundation
import OptKit

/// ANSI colour, applied only when enabled.
struct Style: Sendable {
    let enabled: Bool

    /// Colour only on a terminal, never when NO_COLOR is set and non-empty (no-color.org) or
    /// TERM is dumb.
    static func terminalWantsColor(fileDescriptor: Int32) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(fileDescriptor) == 1
    }

    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func red(_ text: String) -> String { paint(text, "31") }
    func green(_ text: String) -> String { paint(text, "32") }
    func yellow(_ text: String) -> String { paint(text, "33") }

    func status(_ status: SessionStatus) -> String {
        switch status {
        case .completed: green(status.rawValue)
        case .failed: red(status.rawValue)
        case .running: yellow(status.rawValue)
        case .pending, .cancelled: dim(status.rawValue)
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
