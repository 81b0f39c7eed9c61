import ArgumentParser
import OptKit

/// The command tree as ArgumentParser describes it (`--experimental-dump-help`), reduced to
/// what tab completion needs: subcommand names and option names at each level. Reading it
/// from ArgumentParser keeps completion in step with the commands, with no second list.
struct CommandTree {
    var name: String
    var subcommands: [CommandTree]
    var options: [String]

    /// The tree of the `optctl` command.
    static func load() -> CommandTree? {
        let dump: String
        do {
            _ = try Optctl.parseAsRoot(["--experimental-dump-help"])
            return nil
        } catch {
            dump = Optctl.fullMessage(for: error)
        }
        guard let json = try? JSONParser.parse(dump), let command = json["command"] else { return nil }
        return CommandTree(json: command)
    }

    init?(json: JSONValue) {
        guard let name = json["commandName"]?.stringValue else { return nil }
        self.name = name
        if case .array(let items)? = json["subcommands"] {
            subcommands = items.compactMap(CommandTree.init(json:))
        } else {
            subcommands = []
        }
        var options: [String] = []
        if case .array(let arguments)? = json["arguments"] {
            for argument in arguments {
                guard case .array(let names)? = argument["names"] else { continue }
                for name in names {
                    guard let kind = name["kind"]?.stringValue, let text = name["name"]?.stringValue else { continue }
                    options.append(kind == "short" ? "-" + text : "--" + text)
                }
            }
        }
        self.options = options
    }

    /// Completions for the word being typed, given the words before it.
    func candidates(preceding words: [String], prefix: String) -> [String] {
        var node = self
        for word in words {
            guard let child = node.subcommands.first(where: { $0.name == word }) else { break }
            node = child
        }
        let pool = prefix.hasPrefix("-") ? node.options + ["--help"] : node.subcommands.map(\.name)
        return Array(Set(pool.filter { $0.hasPrefix(prefix) })).sorted()
    }
}
