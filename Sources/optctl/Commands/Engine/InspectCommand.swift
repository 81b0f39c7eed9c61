import ArgumentParser
import Foundation
import OptKit

/// Needs no store: it reads a model file.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's interface, size and ops, and what the engine cannot run.",
        discussion: "Exit 0 whether or not the engine can run the model (see `runnable`); 4 when the file is missing, 65 when it is not a valid ONNX model.")

    @Argument(help: ArgumentHelp("The .onnx file.", valueName: "model"))
    var model: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        do {
            let report = try ModelInspector.inspect(contentsOf: URL(fileURLWithPath: model))
            output.json ? output.printJSON(report) : render(report, output)
        } catch {
            throw output.report(error)
        }
    }

    func render(_ report: ModelReport, _ output: Output) {
        let style = output.style
        let opsets = report.opsetImports.map { "\($0.domain) \($0.version)" }.joined(separator: ", ")
        let producer = [report.producerName, report.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let rows: [(String, String)] = [
            ("Model", report.path),
            ("Size", Formatting.bytes(Int64(report.fileBytes))
                + (report.externalDataFiles.isEmpty ? "" : " (\(report.externalDataFiles.count) external data files)")),
            ("Producer", producer.isEmpty ? "-" : producer),
            ("IR / opsets", "\(report.irVersion) / \(opsets)"),
            ("Nodes", "\(report.nodeCount)"),
            ("Parameters", "\(report.parameterCount) (\(Formatting.bytes(Int64(report.parameterBytes))))"),
            ("Runnable", report.runnable ? style.green("yes") : style.red("no")),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            output.line(style.bold(label.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + value)
        }

        output.line()
        var values = Table("", "NAME", "TYPE", "SHAPE")
        for (kind, list) in [("input", report.inputs), ("output", report.outputs)] {
            for value in list {
                let shape = value.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "?"
                values.add(kind, value.name, value.dtype ?? "?", shape)
            }
        }
        output.line(values.render(style: style))

        output.line()
        var ops = Table("OP", "COUNT", "ENGINE")
        for op in report.opHistogram {
            let name = op.domain.isEmpty || op.domain == "ai.onnx" ? op.opType : "\(op.domain).\(op.opType)"
            ops.add(name, "\(op.count)", op.runnable ? "yes" : style.red("no"))
        }
        output.line(ops.render(style: style))

        for op in report.unsupportedOps {
            output.line(style.red("cannot run: ") + "\(op.opType) (\(op.count) nodes, e.g. \(op.nodes.joined(separator: ", ")))")
        }
        for node in report.subgraphOps {
            output.line(style.red("cannot run: ") + "\(node.opType) node '\(node.node)' holds a subgraph")
        }
        for problem in report.problems {
            output.line(style.yellow("problem: ") + problem)
        }
    }
}
