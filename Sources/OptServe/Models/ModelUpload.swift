import Crypto
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import OptKit

/// Checks that an uploaded file is a model optctl can use before it is registered.
public typealias ModelValidator = @Sendable (URL) async throws -> Void

/// The ONNX loader, external data included, as `optctl models add` checks a file: run on NIO's
/// thread pool, since parsing a large model takes a while.
public let validateONNXModel: ModelValidator = { url in
    try await NIOThreadPool.singleton.runIfActive { _ = try Model.load(contentsOf: url) }
}

/// Streams an uploaded model to `HOME/models/` without holding it in memory: chunks are hashed
/// and written to a temporary file as they arrive, the size limit is enforced as they arrive
/// (413 as soon as it is crossed), the finished file is validated, then renamed to its
/// content-addressed name (`<first 16 hex of sha256>.onnx`) and registered. On any failure the
/// temporary file is removed, so a failed upload leaves nothing behind.
///
/// The temporary file sits alone in a folder of its own while it is validated, so an upload
/// that names external data files cannot read other models' files as its weights.
struct ModelUpload {
    let directory: URL
    let limit: Int64
    let validate: ModelValidator
    let store: any ModelStore

    struct Outcome {
        let record: ModelRecord
        let created: Bool
    }

    func receive(_ body: RequestBody, name: String?) async throws -> Outcome {
        let staging = directory.appendingPathComponent(".upload-\(UUID().uuidString.lowercased())")
        try createDirectory(staging)
        let temporary = staging.appendingPathComponent("model.onnx")
        let file = try await TemporaryFile.create(at: temporary)
        defer {
            file.close()
            try? FileManager.default.removeItem(at: staging)
        }

        var hasher = SHA256()
        var total: Int64 = 0
        var pending = ByteBufferAllocator().buffer(capacity: 1 << 20)
        for try await chunk in body {
            total += Int64(chunk.readableBytes)
            if total > limit { throw APIError.payloadTooLarge(limit: Int(clamping: limit)) }
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            var chunk = chunk
            pending.writeBuffer(&chunk)
            if pending.readableBytes >= 1 << 20 {
                try await file.write(pending)
                pending.clear()
            }
        }
        if pending.readableBytes > 0 { try await file.write(pending) }
        guard total > 0 else {
            throw APIError.validation([FieldProblem(field: "body", value: nil, message: "is empty; send the .onnx file's bytes")])
        }
        try await file.sync()

        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if let existing = try await TransientRetry.run({ try await store.model(sha256: digest) }) {
            return Outcome(record: existing, created: false)
        }
        do {
            try await validate(temporary)
        } catch let error as any UserFacingError {
            throw APIError(.badRequest, code: "validation_error", message: "the upload is not a usable ONNX model: \(error.message)",
                           details: .object(["field": .string("body")]))
        }

        let destination = directory.appendingPathComponent("\(digest.prefix(16)).onnx")
        guard rename(temporary.path, destination.path) == 0 else {
            throw StoreFailure(message: "cannot move the upload to \(destination.path): \(String(cString: strerror(errno)))")
        }
        let record = ModelRecord(
            id: String(digest.prefix(16)), name: name ?? "upload-\(digest.prefix(8))", path: destination.path, sha256: digest,
            bytes: total, format: "onnx", createdAt: Timestamp.now())
        do {
            let (stored, created) = try await TransientRetry.run { try await store.register(record) }
            if !created, stored.path != destination.path { unlink(destination.path) }
            return Outcome(record: stored, created: created)
        } catch {
            unlink(destination.path)
            throw error
        }
    }

    private func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw StoreFailure(message: "cannot create \(url.path): \(error.localizedDescription)")
        }
    }
}

/// A file written with blocking calls on NIO's thread pool, never on an event loop.
private final class TemporaryFile: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    static func create(at url: URL) async throws -> TemporaryFile {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreFailure(message: "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        return TemporaryFile(descriptor: descriptor)
    }

    func write(_ buffer: ByteBuffer) async throws {
        let descriptor = self.descriptor
        try await NIOThreadPool.singleton.runIfActive {
            try buffer.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StoreFailure(message: "writing the upload failed: \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
            }
        }
    }

    func sync() async throws {
        let descriptor = self.descriptor
        try await NIOThreadPool.singleton.runIfActive {
            guard fsync(descriptor) == 0 else {
                throw StoreFailure(message: "writing the upload failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    func close() {
        Glibc.close(descriptor)
    }
}
