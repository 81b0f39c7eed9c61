import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a model (and its external data file) through temporary files and renames, so a
/// failed or interrupted write never leaves a half-written model at the destination.
enum ModelWriter {
    /// Above this much initializer data, `.automatic` moves weights to a data file: protobuf
    /// cannot encode a message of 2 GiB or more, and the graph itself needs room too.
    static let inlineLimit = 1_800_000_000

    static func write(_ model: Model, to url: URL, policy: ExternalDataPolicy) throws(ModelError) {
        let path = url.path
        let folder = url.deletingLastPathComponent()
        let layout = try resolve(policy, model: model, modelFileName: url.lastPathComponent, path: path)
        let encoded = try ModelEncoder.encode(model, policy: layout)
        let data = try ModelEncoder.serialize(encoded.proto, destination: path)

        if let layout, !encoded.externalTensors.isEmpty {
            let dataURL = folder.appendingPathComponent(layout.fileName)
            try writeAtomically(to: dataURL) { handle throws(ModelError) in
                var position = 0
                for (offset, tensor) in encoded.externalTensors {
                    if offset > position { try write(Data(count: offset - position), to: handle, path: dataURL.path) }
                    let bytes = Data(bytesNoCopy: tensor.storage.bytes, count: tensor.byteCount, deallocator: .none)
                    try write(bytes, to: handle, path: dataURL.path)
                    position = offset + tensor.byteCount
                }
                // The tensors' storage must outlive the no-copy views above.
                withExtendedLifetime(encoded.externalTensors) {}
            }
        }
        try writeAtomically(to: url) { handle throws(ModelError) in try write(data, to: handle, path: path) }
    }

    private static func resolve(_ policy: ExternalDataPolicy, model: Model, modelFileName: String, path: String) throws(ModelError) -> ModelEncoder.ExternalLayout? {
        switch policy {
        case .inline:
            return nil
        case let .file(fileName, threshold):
            let name = fileName ?? modelFileName + ".data"
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw .writeFailed(path: path, reason: "external data file name '\(name)' must be a plain file name")
            }
            return .init(fileName: name, threshold: max(0, threshold))
        case .automatic:
            let total = model.graph.initializers.values.reduce(0) { $0 + $1.byteCount }
            guard model.source?.usedExternalData == true || total > inlineLimit else { return nil }
            return .init(fileName: modelFileName + ".data", threshold: 1024)
        }
    }

    private static func write(_ data: Data, to handle: FileHandle, path: String) throws(ModelError) {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw .writeFailed(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Writes through `body` into a temporary file beside `url`, flushes it, then renames it over
    /// `url`. On any failure the temporary file is removed and `url` is untouched.
    private static func writeAtomically(to url: URL, _ body: (FileHandle) throws(ModelError) -> Void) throws(ModelError) {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            let reason = FileManager.default.fileExists(atPath: folder.path) ? "cannot create a file in \(folder.path)" : "folder \(folder.path) does not exist"
            throw .writeFailed(path: url.path, reason: reason)
        }
        var succeeded = false
        defer { if !succeeded { try? FileManager.default.removeItem(at: temporary) } }
        let handle: FileHandle
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            throw .writeFailed(path: url.path, reason: (error as NSError).localizedDescription)
        }
        do {
            defer { try? handle.close() }
            try body(handle)
            do { try handle.synchronize() } catch {
                throw ModelError.writeFailed(path: url.path, reason: (error as NSError).localizedDescription)
            }
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw .writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
        succeeded = true
    }
}
