import Foundation
import OptKit

/// What happened to one case.
enum CaseOutcome: Sendable {
    case passed
    /// The engine cannot run this case; not a failure (see `SkipReason`).
    case skipped(SkipReason)
    /// A wrong result or an unexpected error, with the first mismatch or the error.
    case failed(String)
}

/// Runs one backend case the way ONNX's backend runner does: load the model, prepare it,
/// then for each data set feed input_K to the K-th graph input and compare output_K with the
/// K-th graph output.
///
/// Order matters for the skip policy: an op or attribute the engine cannot run is found when
/// the executor is prepared, before any data is read, so such a case is listed under its op
/// rather than under whatever element type its data happens to have.
func runCase(_ testCase: ConformanceCase, threads: Int?, tolerance: Tolerance = .onnxBackend) -> CaseOutcome {
    let model: Model
    do {
        model = try Model.load(contentsOf: testCase.modelURL)
    } catch {
        return .failed("loading model.onnx: \(error)")
    }

    let executor: Executor
    do {
        executor = try Executor(graph: model.graph, opsets: model.opsetImports, threads: threads)
    } catch {
        if let skip = SkipReason(engine: error, graph: model.graph) { return .skipped(skip) }
        return .failed("preparing the graph: \(error)")
    }
    if let skip = valueTypeSkip(model.graph) { return .skipped(skip) }

    let dataSets: [URL]
    do {
        dataSets = try testCase.dataSets()
    } catch {
        return .failed("listing data sets: \(error)")
    }
    if dataSets.isEmpty { return .failed("no test_data_set_N folder") }

    for dataSet in dataSets {
        let label = dataSet.lastPathComponent
        let inputs: [(name: String, tensor: Tensor)]
        let expected: [(name: String, tensor: Tensor)]
        do {
            inputs = try readTensors(in: dataSet, prefix: "input_", values: model.graph.inputs)
            expected = try readTensors(in: dataSet, prefix: "output_", values: model.graph.outputs)
        } catch {
            return error.outcome
        }

        let outputs: [String: Tensor]
        do {
            outputs = try executor.run(Dictionary(inputs.map { ($0.name, $0.tensor) }) { first, _ in first })
        } catch {
            if let skip = SkipReason(engine: error, graph: model.graph) { return .skipped(skip) }
            return .failed("\(label): running: \(error)")
        }
        for want in expected {
            guard let got = outputs[want.name] else {
                return .failed("\(label): the engine returned no output '\(want.name)'")
            }
            if let problem = mismatch(actual: got, expected: want.tensor, tolerance: tolerance) {
                return .failed("\(label): output '\(want.name)': \(problem)")
            }
        }
    }
    return .passed
}

/// The skip for a graph whose inputs or outputs the engine cannot take or give: a value that
/// is not a tensor (a sequence, an optional or a map: the loader gives those no `TensorType`;
/// every tensor value in both sources declares its element type) or a tensor of an element
/// type the engine does not compute. Checked on the declarations, before any data file is read,
/// because such files (SequenceProto, string tensors) are not tensors the loader can hold.
private func valueTypeSkip(_ graph: Graph) -> SkipReason? {
    for (kind, values) in [("input", graph.inputs), ("output", graph.outputs)] {
        for value in values {
            guard let type = value.type else { return .nonTensor(kind: kind, value: value.name) }
            if !engineElementTypes.contains(type.dataType) {
                return .elementType(type.dataType, kind: kind, value: value.name)
            }
        }
    }
    return nil
}

/// Ends a case before it runs, carrying its outcome (a skip or a failure).
private struct EarlyOutcome: Error {
    let outcome: CaseOutcome
    init(_ outcome: CaseOutcome) { self.outcome = outcome }
}

/// Reads the input_K.pb (or output_K.pb) files of a data set and names each tensor after the
/// K-th graph input (output): ONNX's runner feeds by position, and the PyTorch cases' files
/// carry no name at all.
private func readTensors(
    in dataSet: URL, prefix: String, values: [ValueInfo]
) throws(EarlyOutcome) -> [(name: String, tensor: Tensor)] {
    let label = dataSet.lastPathComponent
    let files: [URL]
    do {
        files = try numberedFiles(in: dataSet, prefix: prefix)
    } catch {
        throw EarlyOutcome(.failed("\(label): listing \(prefix)K.pb: \(error)"))
    }
    guard files.count == values.count else {
        throw EarlyOutcome(.failed(
            "\(label): \(files.count) \(prefix)K.pb files for \(values.count) graph \(prefix.dropLast())s"))
    }
    var tensors: [(name: String, tensor: Tensor)] = []
    for (file, value) in zip(files, values) {
        let tensor: Tensor
        do {
            tensor = try TensorFile.read(contentsOf: file).tensor
        } catch {
            throw EarlyOutcome(.failed("\(label)/\(file.lastPathComponent): \(error)"))
        }
        tensors.append((value.name, tensor))
    }
    return tensors
}
