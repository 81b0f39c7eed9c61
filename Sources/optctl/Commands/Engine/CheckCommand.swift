import ArgumentParser
import Foundation
import OptKit

/// Needs no store: it runs a model file on test data.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a model on ONNX test data and compare with the expected outputs.",
        discussion: """
            DATA_DIR is a test_data_set folder (input_K.pb, output_K.pb) or a folder of them. An \
            element passes when |actual - expected| <= atol + rtol x |expected| (numpy's allclose). \
            Exit 0 when every output of every sample passes, 1 when any does not, 4 when a file is \
            missing, 65 when the data does not fit the model or has no expected outputs.
            """)

    @Argument(help: ArgumentHelp("The .onnx file.", valueName: "model"))
    var model: String

    @Argument(help: ArgumentHelp("A test_data_set folder, or a folder of them.", valueName: "data-dir"))
    var dataDirectory: String

    @Option(help: ArgumentHelp("Relative tolerance.", valueName: "r"))
    var rtol = 1e-3

    @Option(help: ArgumentHelp("Absolute tolerance.", valueName: "a"))
    var atol = 1e-5

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if !(rtol >= 0 && rtol.isFinite) { throw ValidationError("--rtol must be a finite number >= 0") }
        if !(atol >= 0 && atol.isFinite) { throw ValidationError("--atol must be a finite number >= 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        let report: TestDataCheck.Report
        do {
            let loaded = try Model.load(contentsOf: URL(fileURLWithPath: model))
            let executor = try Executor(graph: loaded.graph, opsets: loaded.opsetImports, threads: threads)
            let source = try TestDataSetSource(
                url: URL(fileURLWithPath: dataDirectory), inputNames: loaded.graph.feedInputs.map(\.name),
                outputNames: loaded.graph.outputs.map(\.name))
            report = try await TestDataCheck(relativeTolerance: rtol, absoluteTolerance: atol).run(executor, on: source)
        } catch let error as EngineError {
            if case .invalidFeed = error {
                throw output.report(InputError(kind: .malformedInput, message: "the test data does not fit the model: \(error.description)"))
            }
            throw output.report(error)
        } catch {
            throw output.report(error)
        }
        if output.json {
            output.printJSON(report)
        } else if !output.quiet {
            var table = Table("SAMPLE", "OUTPUT", "RESULT", "MAX ABS", "REL L2", "COSINE", "MISMATCHED")
            for result in report.results {
                table.add(
                    result.sample, result.output, result.passed ? output.style.green("pass") : output.style.red("FAIL"),
                    String(format: "%.3g", result.maxAbsError), String(format: "%.3g", result.relativeL2Error),
                    String(format: "%.6f", result.cosineSimilarity), "\(result.mismatched) of \(result.elements)")
            }
            output.line(table.render(style: output.style))
            output.line("\(report.passed ? "Passed" : "Failed"): rtol \(rtol), atol \(atol), \(report.data).")
        }
        if !report.passed { throw ExitCode(1) }
    }
}
