import Foundation

/// Receives every event of a run as it is stored (the CLI prints them; a server follows the
/// event log instead).
public typealias RunObserver = @Sendable (SessionEvent) -> Void

/// Writes a run's changes to the store and hands the observer the very event the store
/// recorded. The event is recomputed with the same pure `Session.applying` at the stored
/// update time, so what the terminal shows and what another process reads cannot differ.
actor SessionRecorder {
    private let store: any SessionStore
    private let observer: RunObserver
    private(set) var session: Session

    init(session: Session, store: any SessionStore, observer: @escaping RunObserver) {
        self.session = session
        self.store = store
        self.observer = observer
    }

    @discardableResult
    func apply(_ change: SessionChange) async throws -> Session {
        let stored = try await store.apply(change, to: session.id)
        if let (_, event) = try? session.applying(change, at: stored.updatedAt), let event {
            observer(event)
        }
        session = stored
        return stored
    }
}
