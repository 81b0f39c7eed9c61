import Foundation
import Testing

/// The committed man page and completion scripts must match the command tree. When a test
/// here fails, run scripts/gen-docs and commit the result.
@Suite struct GeneratedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptIsCurrent(shell: String) throws {
        let generated = try Optctl.execute(Optctl.binary, ["--generate-completion-script", shell])
        #expect(generated.status == 0)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("completions/optctl.\(shell)"), encoding: .utf8)
        #expect(generated.stdout == committed, "completions/optctl.\(shell) is stale: run scripts/gen-docs")
    }

    /// scripts/test builds swift-argument-parser's generate-manual tool before the tests.
    @Test func manPageIsCurrent() throws {
        let tool = Optctl.productsDirectory.appendingPathComponent("generate-manual")
        try #require(FileManager.default.isExecutableFile(atPath: tool.path),
                     "build the man page generator first: swift build --product generate-manual")
        let directory = try TemporaryDirectory()
        let date = try String(contentsOf: Self.root.appendingPathComponent("man/.date"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try Optctl.execute(tool, [Optctl.binary.path, "--date", date, "--output-directory", directory.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let generated = try String(contentsOf: directory.url.appendingPathComponent("optctl.1"), encoding: .utf8)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("man/optctl.1"), encoding: .utf8)
        #expect(generated == committed, "man/optctl.1 is stale: run scripts/gen-docs")
    }

    @Test func helpListsEveryCommand() throws {
        let help = try Optctl.execute(Optctl.binary, ["--help"])
        #expect(help.status == 0)
        for command in ["stats", "sessions", "config", "models", "shell"] {
            #expect(help.stdout.contains("  \(command) "), "\(command) missing from --help")
        }
    }
}
