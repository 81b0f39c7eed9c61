import Foundation
import OptKit
import Synchronization

@testable import OptServe

/// Stands in for the optimization pipeline in server tests: moves each job's session through
/// the store's transitions the way a run does (start, progress, complete), after waiting for
/// `release` when `holding` is set, so tests can observe sessions queued and running.
final class TestRunner: SessionRunning {
    let sessions: any SessionStore
    private let state = Mutex((started: [String](), held: true))
    let holding: Bool

    init(sessions: any SessionStore, holding: Bool = false) {
        self.sessions = sessions
        self.holding = holding
    }

    var started: [String] { state.withLock { $0.started } }

    func release() {
        state.withLock { $0.held = false }
    }

    func run(_ job: SessionJob) async {
        state.withLock { $0.started.append(job.sessionID) }
        do {
            try await sessions.apply(.start, to: job.sessionID)
            while holding && state.withLock({ $0.held }) {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await sessions.apply(.progress(percentage: 50, step: "testing", estimatedCompletion: nil), to: job.sessionID)
            let outcome = SessionOutcome(
                sizeReductionPercent: 50, speedImprovementPercent: 20, accuracyRetentionPercent: 99,
                results: .object(["criteria_name": .string(job.criteria.name)]))
            try await sessions.apply(.complete(outcome), to: job.sessionID)
        } catch {
            _ = try? await sessions.apply(.cancel(reason: "server stopping"), to: job.sessionID)
        }
    }
}

/// The bytes of a valid one-node ONNX model (y = Relu(x)); `variant` changes its doc string
/// and so its bytes and id.
func tinyModelBytes(variant: String = UUID().uuidString) throws -> Data {
    let type = TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(4)])
    let graph = Graph(
        name: "tiny", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
        inputs: [ValueInfo(name: "x", type: type)], outputs: [ValueInfo(name: "y", type: type)])
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString).onnx")
    defer { try? FileManager.default.removeItem(at: url) }
    try Model(graph: graph, docString: "tiny model \(variant)").write(to: url)
    return try Data(contentsOf: url)
}

/// Registers a model file written under the fixture's home.
func registerModel(_ platform: Platform, name: String) async throws -> ModelRecord {
    let url = platform.configuration.home.appendingPathComponent("\(name)-\(UUID().uuidString).onnx")
    try FileManager.default.createDirectory(at: platform.configuration.home, withIntermediateDirectories: true)
    try tinyModelBytes().write(to: url)
    return try await ModelRegistrar(store: platform.models).register(path: url.path, name: name).record
}

/// A session owned by `owner`, pending unless moved on.
func makeSession(_ platform: Platform, owner: String, model: ModelRecord? = nil, status: SessionStatus = .pending) async throws -> Session {
    let session = try await platform.sessions.create(NewSession(
        modelID: model?.id ?? "model-x", modelName: model?.name ?? "policy", techniques: ["simplify"], owner: owner))
    switch status {
    case .pending: return session
    case .running: return try await platform.sessions.apply(.start, to: session.id)
    case .completed:
        try await platform.sessions.apply(.start, to: session.id)
        return try await platform.sessions.apply(.complete(SessionOutcome(
            sizeReductionPercent: 40, speedImprovementPercent: 10, accuracyRetentionPercent: 99.5, results: .object([:]))), to: session.id)
    case .failed:
        return try await platform.sessions.apply(.fail(type: .invalidModel, message: "bad", outcome: nil), to: session.id)
    case .cancelled:
        return try await platform.sessions.apply(.cancel(reason: "test"), to: session.id)
    }
}
