import Foundation

/// Outcomes of a conformance run, with the summary printed to the test log and the full
/// report written to a file (every skipped case with its reason, every failure).
struct ConformanceResults {
    private(set) var outcomes: [(testCase: ConformanceCase, outcome: CaseOutcome)] = []
    /// Sources whose folder was absent, with the message printed for each.
    var missingSources: [String] = []

    mutating func record(_ testCase: ConformanceCase, _ outcome: CaseOutcome) {
        outcomes.append((testCase, outcome))
    }

    var passed: Int { outcomes.count { if case .passed = $0.outcome { true } else { false } } }
    var skips: [(testCase: ConformanceCase, reason: SkipReason)] {
        outcomes.compactMap { if case .skipped(let reason) = $0.outcome { ($0.testCase, reason) } else { nil } }
    }
    var failures: [(testCase: ConformanceCase, message: String)] {
        outcomes.compactMap { if case .failed(let message) = $0.outcome { ($0.testCase, message) } else { nil } }
    }

    /// "conformance: N passed, M skipped", plus ", F failed" when any failed.
    func summaryLine(label: String = "conformance", source: String? = nil) -> String {
        let selected = source.map { name in outcomes.filter { $0.testCase.source == name } } ?? outcomes
        var passed = 0, skipped = 0, failed = 0
        for entry in selected {
            switch entry.outcome {
            case .passed: passed += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            }
        }
        let failedText = failed > 0 ? ", \(failed) failed" : ""
        return "\(label): \(passed) passed, \(skipped) skipped\(failedText)"
    }

    /// One line per skip category with its most frequent keys, e.g.
    /// "  812 unsupported op: Loop 20, If 12, … (143 kinds)".
    func skipSummary(keysPerLine: Int = 12) -> [String] {
        let grouped = Dictionary(grouping: skips.map(\.reason), by: \.category)
        return SkipReason.Category.allCases.compactMap { category -> String? in
            guard let reasons = grouped[category] else { return nil }
            let counts = countedByFrequency(reasons.map(\.key))
            var line = padded(reasons.count) + " \(category.rawValue): "
            line += counts.prefix(keysPerLine).map { "\($0.key) \($0.count)" }.joined(separator: ", ")
            if counts.count > keysPerLine { line += ", … (\(counts.count) kinds)" }
            return line
        }
    }

    /// The report file: counts per source, skip counts by reason, every skipped case with its
    /// reason, and every failure with its message.
    func reportText(sources: [String]) -> String {
        var lines = [summaryLine(), ""]
        for source in sources where outcomes.contains(where: { $0.testCase.source == source }) {
            lines.append(summaryLine(label: "  \(source)", source: source))
        }
        lines += missingSources.map { "  \($0)" }
        lines += ["", "Skips by reason:"]
        for (key, count) in countedByFrequency(skips.map { "\($0.reason.category.rawValue): \($0.reason.key)" }) {
            lines.append(padded(count) + "  " + key)
        }
        lines += ["", "Skipped cases:"]
        lines += skips.map { "\($0.testCase.id): \($0.reason.category.rawValue): \($0.reason.detail)" }
        lines += ["", "Failed cases:"]
        lines += failures.isEmpty ? ["(none)"] : failures.map { "\($0.testCase.id): \($0.message)" }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Distinct values with their number of occurrences, most frequent first, then by name.
private func countedByFrequency(_ values: [String]) -> [(key: String, count: Int)] {
    var counts: [String: Int] = [:]
    for value in values { counts[value, default: 0] += 1 }
    return counts.map { (key: $0.key, count: $0.value) }.sorted { a, b in
        a.count != b.count ? a.count > b.count : a.key < b.key
    }
}

/// A count right-aligned in six columns.
private func padded(_ count: Int) -> String {
    let text = String(count)
    return String(repeating: " ", count: max(0, 6 - text.count)) + text
}

/// Where the report goes: $OPTCTL_CONFORMANCE_REPORT, else .build/conformance-report.txt.
func conformanceReportURL() -> URL {
    if let path = ProcessInfo.processInfo.environment["OPTCTL_CONFORMANCE_REPORT"] {
        return URL(fileURLWithPath: path)
    }
    return repositoryRoot.appending(path: ".build/conformance-report.txt")
}
