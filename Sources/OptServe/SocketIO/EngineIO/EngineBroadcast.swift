import NIOCore

/// Sends one packet to many sessions with a few event-loop tasks per event loop instead of one
/// per recipient: the caller queues every session (answering a held poll at once), and each
/// event loop drains its WebSocket sessions in batches, writing the same encoded frame to each.
/// A batch leaves as soon as it is full, so the event loops start writing while the rest of the
/// recipients are still being queued.
struct EngineBroadcast {
    /// Sessions per event-loop task: large enough that task hand-offs are rare, small enough
    /// that the first clients are written to while the others are queued.
    static let batchSize = 128

    private var batches: [(loop: any EventLoop, drains: [(EngineSession, WebSocketLink)])] = []

    /// Queues `frames` for `session`; its WebSocket write leaves with its event loop's batch.
    mutating func send(_ frames: [EngineFrame], to session: EngineSession, coalescingKey: String?) {
        guard let link = session.enqueue(frames, coalescingKey: coalescingKey) else { return }
        let loop = link.eventLoop
        guard let index = batches.firstIndex(where: { $0.loop === loop }) else {
            var drains: [(EngineSession, WebSocketLink)] = []
            drains.reserveCapacity(Self.batchSize)
            drains.append((session, link))
            batches.append((loop, drains))
            return
        }
        batches[index].drains.append((session, link))
        if batches[index].drains.count >= Self.batchSize {
            Self.start(batches[index].drains, on: loop)
            batches[index].drains.removeAll(keepingCapacity: true)
        }
    }

    /// Starts the writes still waiting: one task on each event loop involved.
    func run() {
        for batch in batches where !batch.drains.isEmpty {
            Self.start(batch.drains, on: batch.loop)
        }
    }

    private static func start(_ drains: [(EngineSession, WebSocketLink)], on loop: any EventLoop) {
        loop.execute {
            for (session, link) in drains { session.drain(link) }
        }
    }
}
