// ONNX's own backend test cases, from both sources (see `ConformanceSource.all()` and
// docs/conformance.md). One test runs every case and collects the outcomes, so ~2,800 cases
// give a readable log: a summary line, skip counts by reason, and one recorded issue per
// failing case naming it and its first mismatch. The full list goes to the report file.
//
// Environment:
// - OPTCTL_CONFORMANCE_FILTER=text      only cases whose name contains `text`
// - OPTCTL_CONFORMANCE_THREADS=N        executor threads (default 2, so the kernels' parallel
//                                       paths run too)
// - OPTCTL_CONFORMANCE_REQUIRE_ALL=1    an absent source is a failure, not a skipped source
// - OPTCTL_ONNX_NODE_TESTS, OPTCTL_LIBONNX_TESTDATA, OPTCTL_CONFORMANCE_REPORT: locations
// (Kept away from the @Suite line: Swift Testing repeats the comment there under every failure.)

import Foundation
import Testing

@Suite("ONNX backend conformance")
struct BackendConformanceTests {
    /// Failures recorded one by one; past this many the rest are summed up in one issue
    /// (all of them are in the report).
    static let individuallyRecordedFailures = 100

    @Test("every runnable ONNX backend case matches its expected outputs")
    func backendCases() throws {
        let environment = ProcessInfo.processInfo.environment
        let filter = environment["OPTCTL_CONFORMANCE_FILTER"].flatMap { $0.isEmpty ? nil : $0 }
        let threads = environment["OPTCTL_CONFORMANCE_THREADS"].flatMap(Int.init) ?? 2
        let requireAll = environment["OPTCTL_CONFORMANCE_REQUIRE_ALL"] == "1"

        let sources = ConformanceSource.all()
        var results = ConformanceResults()
        CrashNote.install()
        defer { CrashNote.uninstall() }
        for source in sources {
            guard source.exists else {
                let message = "source \(source.name) not found at \(source.directory.path) (\(source.remedy))"
                print("conformance: skipping \(message)")
                results.missingSources.append(message)
                if requireAll { Issue.record("conformance: \(message)") }
                continue
            }
            var cases = try source.cases()
            if let filter { cases = cases.filter { $0.name.contains(filter) } }
            for testCase in cases {
                CrashNote.set(testCase.id)
                results.record(testCase, runCase(testCase, threads: threads))
            }
            print(results.summaryLine(label: "conformance [\(source.name)]", source: source.name))
        }

        let reportURL = conformanceReportURL()
        try FileManager.default.createDirectory(
            at: reportURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try results.reportText(sources: sources.map(\.name)).write(to: reportURL, atomically: true, encoding: .utf8)

        print(results.summaryLine())
        let skipLines = results.skipSummary()
        if !skipLines.isEmpty {
            print("conformance: skipped by reason (every case in \(reportURL.path)):")
            skipLines.forEach { print($0) }
        }

        let failures = results.failures
        for failure in failures.prefix(Self.individuallyRecordedFailures) {
            Issue.record("\(failure.testCase.id): \(failure.message)")
        }
        if failures.count > Self.individuallyRecordedFailures {
            Issue.record(
                "… and \(failures.count - Self.individuallyRecordedFailures) more failing cases, listed in \(reportURL.path)")
        }
    }
}
