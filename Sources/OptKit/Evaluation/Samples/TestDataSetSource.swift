import Crypto
import Foundation

/// Samples in ONNX's test-data layout: a folder holding `test_data_set_K` folders (or one such
/// folder itself), each with `input_K.pb` files and, optionally, `output_K.pb` files with the
/// outputs the inputs should produce. Folders are read one at a time, in numeric order.
public struct TestDataSetSource: SampleSource {
    /// The folder the user named.
    public let root: URL
    /// The test_data_set folders, in numeric order.
    public let folders: [URL]
    /// Names for tensors whose file leaves the name empty, by position (`input_0.pb` is the
    /// first graph input, …).
    public let inputNames: [String]
    public let outputNames: [String]

    /// Lists the folders under `url` without reading any tensor. A missing path is
    /// `InputError` of kind `.notFound`; a folder without test data gives an empty source
    /// (a pass reports an empty calibration set by name).
    public init(url: URL, inputNames: [String] = [], outputNames: [String] = []) throws(InputError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError(kind: .notFound, message: "\(url.path): no such folder")
        }
        guard isDirectory.boolValue else {
            throw InputError(kind: .malformedInput, message: "\(url.path): expected a folder of test_data_set_K folders")
        }
        root = url
        self.inputNames = inputNames
        self.outputNames = outputNames
        if Self.numberedFiles(in: url, prefix: "input_").isEmpty == false {
            folders = [url]
            return
        }
        let children: [String]
        do {
            children = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw InputError(kind: .io, message: "\(url.path): cannot be listed (\(error.localizedDescription))")
        }
        folders = children.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("test_data_set_"), let index = Int(name.dropFirst("test_data_set_".count)) else { return nil }
            return (index, url.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public var description: String {
        "\(folders.count) test_data_set folder\(folders.count == 1 ? "" : "s") in \(root.path)"
    }

    public var isSynthetic: Bool { false }
    public var count: Int? { folders.count }

    public func fingerprint() async throws -> String {
        var hasher = SHA256()
        for folder in folders {
            for (_, file) in Self.numberedFiles(in: folder, prefix: "input_") + Self.numberedFiles(in: folder, prefix: "output_") {
                hasher.update(data: try InputError.readFile(at: file.path))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public func samples() -> AsyncThrowingStream<Sample, any Error> {
        sampleStream(folders[...]) { remaining in
            guard let folder = remaining.popFirst() else { return nil }
            return try read(folder)
        }
    }

    /// One folder's tensors.
    func read(_ folder: URL) throws -> Sample {
        let inputs = try tensors(in: folder, prefix: "input_", names: inputNames)
        let outputs = try tensors(in: folder, prefix: "output_", names: outputNames)
        return Sample(name: folder.lastPathComponent, inputs: inputs, expectedOutputs: outputs.isEmpty ? nil : outputs)
    }

    private func tensors(in folder: URL, prefix: String, names: [String]) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, file) in Self.numberedFiles(in: folder, prefix: prefix) {
            let data = try InputError.readFile(at: file.path)
            let decoded: (name: String, tensor: Tensor)
            do {
                decoded = try TensorFile.decode(data, baseDirectory: folder)
            } catch {
                throw InputError(kind: .malformedInput, message: "\(file.path): \(error.message)")
            }
            var name = decoded.name
            if name.isEmpty {
                guard index < names.count else {
                    throw InputError(kind: .malformedInput, message: "\(file.path): the tensor has no name and the model has no \(prefix)\(index) to match it by position")
                }
                name = names[index]
            }
            guard result[name] == nil else {
                throw InputError(kind: .malformedInput, message: "\(file.path): a second tensor named '\(name)' in \(folder.lastPathComponent)")
            }
            result[name] = decoded.tensor
        }
        return result
    }

    /// `prefixK.pb` files of a folder, by K.
    static func numberedFiles(in folder: URL, prefix: String) -> [(Int, URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".pb"),
                let index = Int(name.dropFirst(prefix.count).dropLast(3))
            else { return nil }
            return (index, folder.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }
}
