import Foundation

/// A registered model file. Registration is keyed on content: the same bytes registered twice
/// are one model.
public struct ModelRecord: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    /// Absolute path of the file.
    public var path: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    public var bytes: Int64
    /// "onnx" today.
    public var format: String
    public var createdAt: Date

    public init(id: String, name: String, path: String, sha256: String, bytes: Int64, format: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.format = format
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id = "model_id", name, path, sha256, bytes, format, createdAt = "created_at"
    }
}

/// The model registry.
public protocol ModelStore: Sendable {
    /// Registers a model, or returns the existing record with the same sha256 (`created == false`).
    func register(_ record: ModelRecord) async throws -> (record: ModelRecord, created: Bool)
    func model(id: String) async throws -> ModelRecord
    func model(sha256: String) async throws -> ModelRecord?
    func list() async throws -> [ModelRecord]
    func count() async throws -> Int
    /// Removes a model from the registry and returns its record (the caller decides what
    /// happens to the file). `NotFound` when unknown; `ModelInUse` while a pending or running
    /// session uses it. Finished sessions keep their model id and name as history.
    func delete(id: String) async throws -> ModelRecord
}

/// A model that a pending or running session still needs.
public struct ModelInUse: UserFacingError, Equatable {
    public let modelID: String
    public let activeSessions: Int

    public init(modelID: String, activeSessions: Int) {
        self.modelID = modelID
        self.activeSessions = activeSessions
    }

    public var kind: ErrorKind { .conflict }
    public var message: String {
        "model \(modelID) is used by \(activeSessions) pending or running session(s); cancel them or wait until they finish"
    }
}
