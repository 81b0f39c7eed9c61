import Foundation

/// Opens the data a user names by path: a .npy or .npz file, or a folder of ONNX
/// test_data_set folders (or one such folder). `optctl run --calibration/--validation` and
/// `optctl check` share it, so every command accepts the same formats.
public enum SampleSources {
    public static func open(_ url: URL, for graph: Graph) throws(InputError) -> any SampleSource {
        let inputs = graph.feedInputs
        if ["npy", "npz"].contains(url.pathExtension.lowercased()) {
            return try NumpySampleSource(url: url, inputs: inputs)
        }
        return try TestDataSetSource(url: url, inputNames: inputs.map(\.name), outputNames: graph.outputs.map(\.name))
    }
}

extension Graph {
    /// The inputs a caller must feed: declared inputs that are not also initializers (older
    /// exporters list every weight among the inputs, with its value as an initializer).
    public var feedInputs: [ValueInfo] {
        inputs.filter { initializers[$0.name] == nil && opaqueInitializers[$0.name] == nil }
    }
}
