import Foundation
import OptKit

/// A fresh folder under the temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("optctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A platform on a real SQLite file in a temporary home.
func makePlatform(in directory: TemporaryDirectory, user: String = "tester") throws -> Platform {
    try Platform(configuration: PlatformConfiguration(home: directory.url.appendingPathComponent("home"), user: user))
}

/// Creates a session and drives it to `status`, optionally with measured figures.
@discardableResult
func seedSession(
    _ store: any SessionStore, model: String = "m1", status: SessionStatus,
    size: Double? = nil, speed: Double? = nil, accuracy: Double? = nil
) async throws -> Session {
    let session = try await store.create(NewSession(modelID: model, modelName: "model-\(model)", techniques: ["fp16"], owner: "tester"))
    switch status {
    case .pending:
        return session
    case .running:
        return try await store.apply(.start, to: session.id)
    case .completed:
        try await store.apply(.start, to: session.id)
        return try await store.apply(.complete(SessionOutcome(
            sizeReductionPercent: size, speedImprovementPercent: speed, accuracyRetentionPercent: accuracy,
            results: .object([:]))), to: session.id)
    case .failed:
        try await store.apply(.start, to: session.id)
        return try await store.apply(.fail(type: .internal, message: "boom", outcome: nil), to: session.id)
    case .cancelled:
        return try await store.apply(.cancel(reason: "user"), to: session.id)
    }
}
