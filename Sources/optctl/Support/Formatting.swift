import Foundation
import OptKit

/// How figures and times read in human output.
enum Formatting {
    /// "12.5%", or "-" when not measured.
    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value)
    }

    /// "+12.5%" / "-3.0%": a change that may go either way (a slower model is never hidden).
    static func signedPercent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%+.1f%%", value)
    }

    /// Recent times relative ("4 min ago"), older ones as a UTC date and time.
    static func time(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = now.timeIntervalSince(date)
        switch seconds {
        case ..<0: return utc(date)
        case ..<60: return "just now"
        case ..<3600: return "\(Int(seconds / 60)) min ago"
        case ..<86_400: return "\(Int(seconds / 3600)) h ago"
        default: return utc(date)
        }
    }

    /// "2026-11-27 13:05 UTC".
    static func utc(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5)) + " UTC"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
