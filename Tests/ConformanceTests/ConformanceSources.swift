import Foundation

/// Where ONNX backend test cases come from. Each source is a folder of case folders in ONNX's
/// layout: `<case>/model.onnx` plus `<case>/test_data_set_N/input_K.pb, output_K.pb`.
struct ConformanceSource: Sendable {
    /// Short name used in messages and the report ("onnx-node", "debian/node", …).
    var name: String
    var directory: URL
    /// How to get the folder when it is absent.
    var remedy: String

    /// The two sources of issue 3: ONNX's current node cases written by scripts/gen-node-tests,
    /// and Debian's libonnx-testdata (ONNX 1.12). The latter's `real` folder holds only download
    /// links (data.json) to large zoo models, so it is not a source here.
    static func all() -> [ConformanceSource] {
        let environment = ProcessInfo.processInfo.environment
        let nodeCases = environment["OPTCTL_ONNX_NODE_TESTS"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appending(path: ".testdata/onnx-node")
        let debian = URL(fileURLWithPath: environment["OPTCTL_LIBONNX_TESTDATA"] ?? "/usr/share/libonnx-testdata/data")
        let debianRemedy = "apt-get install -y libonnx-testdata"
        return [ConformanceSource(name: "onnx-node", directory: nodeCases, remedy: "run scripts/gen-node-tests")]
            + ["node", "pytorch-converted", "pytorch-operator", "simple"].map {
                ConformanceSource(name: "debian/\($0)", directory: debian.appending(path: $0), remedy: debianRemedy)
            }
    }

    var exists: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Case folders (those holding a model.onnx), sorted by name.
    func cases() throws -> [ConformanceCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return names.compactMap { name in
            let folder = directory.appending(path: name)
            guard FileManager.default.fileExists(atPath: folder.appending(path: "model.onnx").path) else { return nil }
            return ConformanceCase(source: self.name, name: name, directory: folder)
        }
    }
}

/// One backend test case: a model and its data sets.
struct ConformanceCase: Sendable {
    var source: String
    var name: String
    var directory: URL

    var id: String { "\(source)/\(name)" }
    var modelURL: URL { directory.appending(path: "model.onnx") }

    /// The test_data_set_N folders in numeric order.
    func dataSets() throws -> [URL] {
        try dataSetFolders(in: directory)
    }
}

/// The test_data_set_N folders inside `folder`, in numeric order of N.
func dataSetFolders(in folder: URL) throws -> [URL] {
    try numberedEntries(in: folder, prefix: "test_data_set_", suffix: "").map { folder.appending(path: $0) }
}

/// `input_K.pb` (or `output_K.pb`) files of a data-set folder in numeric order of K, so
/// input_10 follows input_9.
func numberedFiles(in folder: URL, prefix: String) throws -> [URL] {
    try numberedEntries(in: folder, prefix: prefix, suffix: ".pb").map { folder.appending(path: $0) }
}

private func numberedEntries(in folder: URL, prefix: String, suffix: String) throws -> [String] {
    let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    let numbered: [(Int, String)] = entries.compactMap { entry in
        guard entry.hasPrefix(prefix), entry.hasSuffix(suffix) else { return nil }
        let digits = entry.dropFirst(prefix.count).dropLast(suffix.count)
        return Int(digits).map { ($0, entry) }
    }
    return numbered.sorted { $0.0 < $1.0 }.map(\.1)
}

/// The package root, found from this file's path (Tests/ConformanceTests/<file>).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
