import Foundation

/// Timestamps as the contracts fix them: ISO-8601 UTC with `Z` and milliseconds
/// (`2026-11-27T13:05:09.120Z`). Stored as integer milliseconds since 1970 in SQLite, which
/// compares and indexes cheaply. Formatting is done by hand because the list endpoints
/// format three timestamps per row at thousands of requests per second.
public enum Timestamp {
    /// Milliseconds since the Unix epoch.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Now, truncated to whole milliseconds so that a stored and a returned value are equal.
    public static func now() -> Date {
        date(milliseconds: milliseconds(Date()))
    }

    public static func format(_ date: Date) -> String {
        format(milliseconds: milliseconds(date))
    }

    public static func format(milliseconds total: Int64) -> String {
        let millis = Int(((total % 1000) + 1000) % 1000)
        let seconds = (total - Int64(millis)) / 1000
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(24)
        append(&text, year, width: 4); text += "-"
        append(&text, month, width: 2); text += "-"
        append(&text, day, width: 2); text += "T"
        append(&text, secondOfDay / 3600, width: 2); text += ":"
        append(&text, secondOfDay / 60 % 60, width: 2); text += ":"
        append(&text, secondOfDay % 60, width: 2); text += "."
        append(&text, millis, width: 3); text += "Z"
        return text
    }

    /// Parses `YYYY-MM-DD`, or a date and time with optional fractional seconds and a `Z` or
    /// `±HH:MM` offset. A date without a time means midnight UTC.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard index < bytes.count, bytes[index] == char.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        // Whole milliseconds in integers, so a parsed time formats back to the same text.
        var milliseconds = Int64(days(fromCivil: year, month, day)) * 86_400_000
        if index == bytes.count { return date(milliseconds: milliseconds) }
        guard expect("T") || expect(" "), let hour = number(2), expect(":"), let minute = number(2),
              expect(":"), let second = number(2), hour < 24, minute < 60, second < 60
        else { return nil }
        milliseconds += Int64(hour * 3600 + minute * 60 + second) * 1000
        if expect(".") {
            var scale: Int64 = 100  // digits beyond milliseconds are dropped
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                milliseconds += Int64(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        if expect("Z") || expect("z") {
        } else if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 {  // + or -
            let sign = bytes[index] == 43 ? 1 : -1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2),
                  offsetHours < 24, offsetMinutes < 60 else { return nil }
            milliseconds -= Int64(sign) * Int64(offsetHours * 3600 + offsetMinutes * 60) * 1000
        } else {
            return nil  // a time without a zone is ambiguous
        }
        return index == bytes.count ? date(milliseconds: milliseconds) : nil
    }

    private static func append(_ text: inout String, _ value: Int, width: Int) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year0: Int, _ month: Int, _ day: Int) -> Int {
        let year = month <= 2 ? year0 - 1 : year0
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
