import Crypto
import Foundation

/// Turns a file on disk into a registry entry: checks it, hashes it, names it.
public struct ModelRegistrar: Sendable {
    let store: any ModelStore

    public init(store: any ModelStore) {
        self.store = store
    }

    /// Registers the file at `path` (or finds it registered already, by content).
    /// `name` defaults to the file name without its extension.
    public func register(path: String, name: String? = nil) async throws -> (record: ModelRecord, created: Bool) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let (digest, bytes) = try Self.hashFile(at: url.path)
        // The whole model is parsed, external data included: a file that would fail later at
        // `run` is refused now, naming what is wrong.
        _ = try Model.load(contentsOf: url)
        let displayName = name ?? url.deletingPathExtension().lastPathComponent
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 200 {
            throw InvalidRequest([FieldProblem(field: "name", value: .string(name), message: "must be 1 to 200 characters")])
        }
        let record = ModelRecord(
            id: String(digest.prefix(16)), name: displayName, path: url.path, sha256: digest, bytes: bytes,
            format: "onnx", createdAt: Timestamp.now())
        return try await store.register(record)
    }

    /// SHA-256 of a file, read in 1 MiB chunks so large models are never held in memory.
    public static func hashFile(at path: String) throws(InputError) -> (sha256: String, bytes: Int64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(kind: .notFound, message: "\(path): no such file")
        }
        if isDirectory.boolValue {
            throw InputError(kind: .io, message: "\(path): is a directory, expected a model file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(kind: .io, message: "\(path): cannot be opened for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                total += Int64(chunk.count)
            }
        } catch {
            throw InputError(kind: .io, message: "\(path): read failed (\(error.localizedDescription))")
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return (hex, total)
    }
}
