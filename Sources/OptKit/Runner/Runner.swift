import Foundation
import Logging

/// Runs optimization sessions: the one pipeline behind `optctl run` and the server's
/// POST /optimization/sessions. A session is created pending (by `createSession` or by the
/// server), then `execute` takes it to completed, failed or cancelled, writing every step and
/// event to the store and keeping its lease alive meanwhile.
public struct Runner: Sendable {
    public let platform: Platform
    public let settings: RunSettings
    public let holder: LeaseHolder
    let logger: Logger

    public init(
        platform: Platform, settings: RunSettings = RunSettings(), holder: LeaseHolder = .current,
        logger: Logger = Logger(label: "optctl.run")
    ) {
        self.platform = platform
        self.settings = settings
        self.holder = holder
        self.logger = logger
    }

    /// The pending session for `model`: a registered model id, or a file path (registered on
    /// the way; the same bytes are one model). A file that is not a loadable model still gets a
    /// session, recorded as failed with the reason, so the attempt shows in the history.
    /// A path to nothing is `InputError(.notFound)` with no session: there is no model to
    /// attribute it to.
    public func createSession(model reference: String, techniques: [String], owner: String) async throws -> Session {
        let record: ModelRecord
        if let registered = try? await platform.models.model(id: reference) {
            record = registered
        } else {
            let url = URL(fileURLWithPath: reference).standardizedFileURL
            let (sha256, _) = try ModelRegistrar.hashFile(at: url.path)
            do {
                record = try await ModelRegistrar(store: platform.models).register(path: url.path).record
            } catch let error as ModelError {
                let session = try await platform.sessions.create(NewSession(
                    modelID: String(sha256.prefix(16)), modelName: url.deletingPathExtension().lastPathComponent,
                    techniques: techniques, owner: owner, holder: holder))
                return try await platform.sessions.apply(
                    .fail(type: .invalidModel, message: "\(url.path): \(error.message)", outcome: nil), to: session.id)
            }
        }
        return try await platform.sessions.create(NewSession(
            modelID: record.id, modelName: record.name, techniques: techniques, owner: owner, holder: holder))
    }

    /// Runs a pending session to its end and returns it as stored. `criteria` are the ones in
    /// force for this run (stored criteria, possibly overridden). Cancellation (or cancelling
    /// the calling task) ends the session cancelled and removes partial output. Throws only
    /// when the store itself fails, so nothing can be recorded.
    public func execute(
        sessionID: String, criteria: OptimizationCriteria, cancellation: RunCancellation = RunCancellation(),
        observer: @escaping RunObserver = { _ in }
    ) async throws -> Session {
        try await run(sessionID: sessionID, criteria: criteria, cancellation: cancellation, observer: observer).session
    }

    /// How a run ended: the session as stored and, when it failed or was cancelled, the class
    /// of the cause, which decides the CLI's exit code.
    public struct Ending: Sendable {
        public var session: Session
        public var failureKind: ErrorKind?
    }

    /// `execute`, also telling the class of a failure.
    public func run(
        sessionID: String, criteria: OptimizationCriteria, cancellation: RunCancellation = RunCancellation(),
        observer: @escaping RunObserver = { _ in }
    ) async throws -> Ending {
        let pending = try await platform.sessions.session(id: sessionID)
        let recorder = SessionRecorder(session: pending, store: platform.sessions, observer: observer)
        do {
            try await recorder.apply(.start)
        } catch is IllegalTransition {
            // Cancelled or failed while it waited: nothing to run.
            let session = try await platform.sessions.session(id: sessionID)
            return Ending(session: session, failureKind: session.status == .cancelled ? .cancelled : .conflict)
        }
        let lease = LeaseKeeper.start(
            sessionID: sessionID, store: platform.sessions, holder: holder, cancellation: cancellation, logger: logger)
        defer { lease.cancel() }

        let progress = RunProgress(recorder: recorder, cancellation: cancellation)
        let execution = RunExecution(
            platform: platform, settings: settings, criteria: criteria, session: await recorder.session,
            progress: progress, cancellation: cancellation, logger: logger)
        let change: SessionChange
        var failureKind: ErrorKind?
        do {
            let result = try await execution.run()
            if result.unmet.isEmpty {
                change = .complete(result.outcome)
            } else {
                let missed = result.unmet.map { "\($0.criterion) requires \($0.required), measured \($0.measured)" }
                change = .fail(
                    type: .criteriaNotMet,
                    message: "criteria not met: " + missed.joined(separator: "; ") + " (best attempt kept)",
                    outcome: result.outcome)
                failureKind = .criteriaNotMet
            }
        } catch let cancelled as RunCancelled {
            execution.removeTemporaryFiles()
            change = .cancel(reason: cancelled.reason)
            failureKind = .cancelled
        } catch {
            execution.removeTemporaryFiles()
            // A cancel that arrived while a step failed for its sake still counts as a cancel.
            if let reason = cancellation.reason {
                change = .cancel(reason: reason)
                failureKind = .cancelled
            } else {
                let (type, message, kind) = RunFailure.classify(error)
                logger.debug("session \(sessionID) failed: \(error)")
                change = .fail(type: type, message: message, outcome: nil)
                failureKind = kind
            }
        }
        return Ending(session: try await recorder.apply(change), failureKind: failureKind)
    }
}
