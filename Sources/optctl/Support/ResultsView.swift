import Foundation
import OptKit

/// A session's results document as people read it: before/after figures, fidelity per output,
/// robot figures, criteria checks, attempts and provenance. `--json` prints the document itself.
struct ResultsView {
    let results: JSONValue
    let style: Style

    func lines() -> [(String, String)] {
        var rows: [(String, String)] = []
        if let before = results["baseline"]?["bytes"]?.doubleValue, let after = results["optimized"]?["bytes"]?.doubleValue {
            rows.append(("Size", "\(Formatting.bytes(Int64(before))) -> \(Formatting.bytes(Int64(after)))"))
        }
        if let before = results["baseline"]?["latency"], let after = results["optimized"]?["latency"] {
            rows.append(("Latency", ["p50_ms", "p90_ms", "p99_ms"].map { key in
                "\(key.prefix(3)) \(Self.ms(before[key])) -> \(Self.ms(after[key]))"
            }.joined(separator: ", ") + threadsNote(after)))
        }
        if let fidelity = results["fidelity"] {
            let retention = fidelity["accuracy_retention_percent"]?.doubleValue
            let samples = Int(fidelity["samples"]?.doubleValue ?? 0)
            rows.append(("Accuracy", "\(Formatting.percent(retention)) retention against the \(fidelity["reference"]?.stringValue ?? "reference") (\(samples) samples)"))
            for output in fidelity["outputs"]?.arrayValue ?? [] {
                var text = "\(output["output"]?.stringValue ?? "?"): cosine \(Self.number(output["cosine_similarity"], digits: 6)), rel L2 \(Self.number(output["relative_l2_error"], digits: 6)), max abs \(Self.number(output["max_abs_error"], digits: 6))"
                if let top1 = output["top1_agreement"]?.doubleValue { text += ", top-1 \(Formatting.percent(top1 * 100))" }
                rows.append(("", "  " + text))
            }
        }
        if let robot = results["robot"] {
            var text = "action parity (max abs output difference) \(Self.number(robot["action_parity_max_abs"], digits: 6))"
            if let hz = robot["control_hz"]?.doubleValue, let period = robot["control_period_ms"]?.doubleValue {
                let fits = robot["optimized_p99_fits_period"] == .bool(true)
                text = "p99 \(fits ? style.green("fits") : style.red("does not fit")) the \(Self.number(.number(period), digits: 3)) ms period of \(Self.number(.number(hz), digits: 3)) Hz; " + text
            }
            rows.append(("Robot", text))
        }
        for check in results["criteria_checks"]?.arrayValue ?? [] {
            let passed = check["passed"] == .bool(true)
            let warningOnly = check["warning_only"] == .bool(true)
            let mark = passed ? style.green("ok") : (warningOnly ? style.yellow("warning") : style.red("FAILED"))
            rows.append((rows.contains { $0.0 == "Criteria" } ? "" : "Criteria",
                         "\(mark) \(check["criterion"]?.stringValue ?? "?") \(check["required"]?.stringValue ?? ""), measured \(check["measured"]?.stringValue ?? "?")"))
        }
        if let attempts = results["attempts"]?.arrayValue, attempts.count > 1 {
            let kept = Int(results["kept_attempt"]?.doubleValue ?? 0)
            let excluded = attempts.first { Int($0["attempt"]?.doubleValue ?? 0) == kept }?["fallback_excluded_nodes"]?.arrayValue?
                .compactMap(\.stringValue) ?? []
            rows.append(("Attempts", "\(attempts.count), kept attempt \(kept)" + (excluded.isEmpty ? "" : "; kept in float32 by the fallback: \(excluded.joined(separator: ", "))")))
        }
        if let path = results["output_model_path"]?.stringValue {
            rows.append(("Output", path + (results["output_model_id"]?.stringValue.map { " (model \($0))" } ?? "")))
        }
        if let provenance = results["provenance"] {
            let cpu = provenance["cpu"]
            rows.append(("Provenance", "optctl \(provenance["optctl_version"]?.stringValue ?? "?"), \(Int(provenance["threads"]?.doubleValue ?? 0)) thread(s), \(cpu?["model"]?.stringValue ?? "unknown CPU") [\((cpu?["features"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " "))], fp32 kernels \(cpu?["fp32_kernels"]?.stringValue ?? "?")"))
            rows.append(("", "  input sha256 \(provenance["input_sha256"]?.stringValue ?? "-"), output sha256 \(provenance["output_sha256"]?.stringValue ?? "-")"))
            for key in ["calibration", "validation"] {
                if let data = provenance[key], data != .null {
                    rows.append(("", "  \(key): \(data["description"]?.stringValue ?? "?") (sha256 \(String((data["sha256"]?.stringValue ?? "-").prefix(16))))"))
                }
            }
            for technique in provenance["techniques"]?.arrayValue ?? [] {
                rows.append(("", "  \(technique["technique"]?.stringValue ?? "?") \(JSONCoding.string(technique["parameters"] ?? .null))"))
            }
        }
        for (index, warning) in (results["warnings"]?.arrayValue ?? []).compactMap(\.stringValue).enumerated() {
            rows.append((index == 0 ? "Warnings" : "", style.yellow(warning)))
        }
        return rows
    }

    private func threadsNote(_ latency: JSONValue) -> String {
        guard let runs = latency["runs"]?.doubleValue, let threads = latency["threads"]?.doubleValue else { return "" }
        return " (\(Int(runs)) runs, \(Int(threads)) thread(s))"
    }

    static func ms(_ value: JSONValue?) -> String {
        guard let value = value?.doubleValue else { return "-" }
        return String(format: value < 1 ? "%.3f ms" : "%.2f ms", value)
    }

    static func number(_ value: JSONValue?, digits: Int) -> String {
        guard let value = value?.doubleValue else { return "-" }
        return String(format: "%.\(digits)g", value)
    }
}

/// Label/value rows printed with the labels aligned, as `sessions show` and `run` print them.
enum LabelledRows {
    static func print(_ rows: [(String, String)], output: Output) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            output.line(output.style.bold(label.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + value)
        }
    }
}
