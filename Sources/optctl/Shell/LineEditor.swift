import CReadline
import Foundation

/// GNU readline: line editing, history kept in a file, and tab completion.
final class LineEditor {
    private let historyPath: String
    static let historyLimit: Int32 = 1000

    /// The completion source for readline's C callbacks, which cannot capture context.
    nonisolated(unsafe) static var complete: (_ preceding: [String], _ prefix: String) -> [String] = { _, _ in [] }
    nonisolated(unsafe) private static var matches: [String] = []
    nonisolated(unsafe) private static var matchIndex = 0

    init(historyPath: String, complete: @escaping (_ preceding: [String], _ prefix: String) -> [String]) {
        self.historyPath = historyPath
        Self.complete = complete
        using_history()
        stifle_history(Self.historyLimit)
        _ = read_history(historyPath)  // absent on first use
        optctl_rl_set_name(strdup("optctl"))
        optctl_rl_set_attempted_completion { text, start, _ in
            LineEditor.completions(text: text, start: start)
        }
    }

    /// The next line, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty { add_history(raw) }
        return line
    }

    /// Writes the history file (at most `historyLimit` lines).
    func saveHistory() {
        _ = write_history(historyPath)
        _ = history_truncate_file(historyPath, Self.historyLimit)
    }

    private static func completions(text: UnsafePointer<CChar>?, start: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let prefix = text.map { String(cString: $0) } ?? ""
        let line = optctl_rl_line_buffer().map { String(cString: $0) } ?? ""
        let before = String(line.utf8.prefix(Int(start))) ?? ""
        let preceding = (try? ShellWords.split(before)) ?? []
        matches = complete(preceding, prefix)
        matchIndex = 0
        if matches.isEmpty {
            // Nothing from the command tree: fall back to readline's file name completion,
            // which is what an argument such as `config put FILE` needs.
            return nil
        }
        optctl_rl_completion_over()
        return rl_completion_matches(text) { _, state in
            if state == 0 { LineEditor.matchIndex = 0 }
            guard LineEditor.matchIndex < LineEditor.matches.count else { return nil }
            defer { LineEditor.matchIndex += 1 }
            return strdup(LineEditor.matches[LineEditor.matchIndex])
        }
    }
}
