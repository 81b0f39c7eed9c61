import ArgumentParser
import OptKit

/// Needs no store: the techniques are those compiled into this build.
struct TechniquesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "techniques",
        abstract: "List the optimization techniques with their parameters.",
        discussion: "Set a parameter for one run with `optctl run --param TECHNIQUE.NAME=VALUE`. Techniques in the same group are alternatives: a run applies at most one of them.")

    @OptionGroup var global: GlobalOptions

    struct Entry: Encodable {
        let id: String
        let summary: String
        let lossy: Bool
        let requires: String
        let order: Int
        let exclusiveGroup: String?
        let parameters: [ParameterDescriptor]

        enum CodingKeys: String, CodingKey {
            case id, summary, lossy, requires, order, parameters
            case exclusiveGroup = "exclusive_group"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(summary, forKey: .summary)
            try c.encode(lossy, forKey: .lossy)
            try c.encode(requires, forKey: .requires)
            try c.encode(order, forKey: .order)
            try c.encode(exclusiveGroup, forKey: .exclusiveGroup)
            try c.encode(parameters, forKey: .parameters)
        }
    }

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        let entries = PassRegistry.descriptors.map {
            Entry(
                id: $0.technique.id, summary: $0.technique.summary, lossy: $0.technique.isLossy,
                requires: $0.technique.requires.rawValue, order: $0.stage, exclusiveGroup: $0.exclusiveGroup,
                parameters: $0.parameters)
        }
        if output.json {
            output.printJSON(entries)
            return
        }
        if output.quiet {
            entries.forEach { output.line($0.id) }
            return
        }
        for entry in entries {
            output.line(output.style.bold(entry.id) + "  " + entry.summary)
            output.line("  " + output.style.dim(
                "\(entry.lossy ? "lossy" : "lossless"), needs \(entry.requires)" + (entry.exclusiveGroup.map { ", group \($0)" } ?? "")))
            for parameter in entry.parameters {
                output.line("  --param \(entry.id).\(parameter.name)=\(Self.describe(parameter))")
                output.line("      \(parameter.summary)")
            }
            output.line()
        }
    }

    /// "minmax|percentile|entropy (default minmax)", "number 90...100 (default 99.99)".
    static func describe(_ parameter: ParameterDescriptor) -> String {
        let kind = switch parameter.kind {
        case .number(let range): "NUMBER in \(range.lowerBound)...\(range.upperBound)"
        case .integer(let range): "INTEGER in \(range.lowerBound)...\(range.upperBound)"
        case .boolean: "true|false"
        case .choice(let choices): choices.joined(separator: "|")
        case .strings: "[\"A\",\"B\"]"
        }
        return "\(kind) (default \(JSONCoding.string(parameter.defaultValue)))"
    }
}
