import ArgumentParser
import OptKit

/// What `optctl run` does when the user leaves techniques or parameters to it.
enum RunDefaults {
    /// simplify, then int8: static when calibration data is given (it needs activation ranges),
    /// dynamic otherwise; each only when the criteria enable it and the hardware target can run
    /// it, falling back to fp16.
    static func techniques(criteria: OptimizationCriteria, calibrated: Bool) -> [String] {
        let target = HardwareTarget.named(criteria.hardwareTarget)
        func allowed(_ id: String) -> Bool {
            guard criteria.enabledTechniques.contains(id), let technique = Technique.named(id) else { return false }
            return target?.capabilities.contains(technique.requires) ?? false
        }
        let precision = (calibrated ? ["quantize-int8", "quantize-int8-dynamic", "fp16"] : ["quantize-int8-dynamic", "fp16"])
            .first(where: allowed)
        let chosen = (allowed("simplify") ? ["simplify"] : []) + (precision.map { [$0] } ?? [])
        return chosen.isEmpty ? ["simplify"] : chosen
    }

    /// `--param TECHNIQUE.NAME=VALUE` settings grouped by technique. VALUE is read as JSON when
    /// it parses (numbers, booleans, lists), else taken as a string.
    static func parameters(_ settings: [String]) throws -> [String: [String: JSONValue]] {
        var grouped: [String: [String: JSONValue]] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), let dot = setting[..<equals].firstIndex(of: "."),
                  dot > setting.startIndex, setting.index(after: dot) < equals else {
                throw ValidationError("--param \(setting): expected TECHNIQUE.NAME=VALUE, e.g. quantize-int8.method=entropy")
            }
            let technique = String(setting[..<dot])
            let name = String(setting[setting.index(after: dot)..<equals])
            let text = String(setting[setting.index(after: equals)...])
            grouped[technique, default: [:]][name] = (try? JSONParser.parse(text)) ?? .string(text)
        }
        return grouped
    }
}
