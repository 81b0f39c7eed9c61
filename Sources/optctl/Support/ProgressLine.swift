import Foundation
import OptKit

/// One progress line on a terminal's stderr, redrawn in place: a bar, the percentage, the step
/// and the time left. Only used when stderr is a terminal, so logs and pipes stay clean.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var width = 0
    private let started = Date()

    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    func show(_ event: SessionEvent) {
        guard case .progress(let progress) = event else { return }
        let filled = Int(progress.progressPercentage / 5)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled)
        var text = "[\(bar)] \(String(format: "%3.0f", progress.progressPercentage))%  \(progress.currentStep)"
        if let eta = progress.estimatedCompletion {
            text += "  ETA \(Self.duration(max(0, eta.timeIntervalSinceNow)))"
        }
        draw(String(text.prefix(Self.columns)))
    }

    /// Clears the line before the result is printed.
    func finish() {
        draw("")
    }

    private func draw(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let padding = String(repeating: " ", count: max(0, width - text.count))
        FileHandle.standardError.write(Data(("\r" + text + padding + (text.isEmpty ? "\r" : "")).utf8))
        width = text.count
    }

    static func duration(_ seconds: TimeInterval) -> String {
        seconds < 60 ? "\(Int(seconds.rounded()))s" : "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
    }

    private static var columns: Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 else { return 100 }
        return Int(size.ws_col) - 1
    }
}
