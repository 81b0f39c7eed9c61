import Foundation
import NIOCore
import Synchronization

/// One Engine.IO session: a client identified by its sid, whichever transport carries it.
///
/// All state sits behind one lock and no lock is held while calling out (handlers, channels,
/// continuations), so a broadcast can enqueue to thousands of sessions without awaiting any.
public final class EngineSession: WebSocketReceiver, Sendable {
    public let id: String
    public let handshake: EngineHandshake
    let server: EngineServer
    private let state: Mutex<State>

    enum Transport {
        case polling
        case websocket(WebSocketLink)
    }

    struct State {
        var isOpen = true
        var transport: Transport
        /// A WebSocket probing to take over from polling.
        var probe: WebSocketLink?
        /// The probe answered `3probe`: polls are answered with noop until the upgrade packet.
        var upgrading = false
        var upgradeDeadline: ContinuousClock.Instant?
        var queue = OutboundQueue()
        var drainScheduled = false
        /// The WebSocket's buffer is full (NIO's high water mark, the write window): packets
        /// wait in `queue` until it drains.
        var blocked = false
        var heldPoll: CheckedContinuation<PollOutcome, Never>?
        var posting = false
        var nextPing: ContinuousClock.Instant?
        var pongDeadline: ContinuousClock.Instant?
        var handshakeDeadline: ContinuousClock.Instant?
        var handler: (any EngineSessionHandler)?
        /// WebSocket packets waiting for the handler, oldest first, and their message bytes.
        var inbound: [Inbound] = []
        var inboundBytes = 0
        /// A task is handing `inbound` to the handler.
        var delivering = false
        /// The WebSocket stopped reading because `inbound` is full.
        var readPaused = false
    }

    /// What a held or immediate poll answers.
    enum PollOutcome {
        case frames([EngineFrame])
        case failure(EngineHTTPError)
    }

    init(id: String, handshake: EngineHandshake, transport: Transport, server: EngineServer) {
        self.id = id
        self.handshake = handshake
        self.server = server
        let now = ContinuousClock.now
        self.state = Mutex(State(transport: transport, nextPing: now + server.limits.pingInterval))
    }

    var configuration: EngineConfiguration { server.configuration }

    /// The settings a session reads on every send, write and heartbeat tick, apart from the
    /// configuration's strings: reading them copies no reference, which matters when a
    /// broadcast reaches thousands of sessions.
    struct Limits {
        var clientBufferLimit: Int
        var writeWindow: Int
        var maxPacketsPerPoll: Int
        var pingInterval: Duration
        var pingTimeout: Duration
        var upgradeTimeout: Duration
        var maxPayload: Int

        init(_ configuration: EngineConfiguration) {
            maxPayload = configuration.maxPayload
            clientBufferLimit = configuration.clientBufferLimit
            writeWindow = configuration.writeWindow
            maxPacketsPerPoll = configuration.maxPacketsPerPoll
            pingInterval = configuration.pingInterval
            pingTimeout = configuration.pingTimeout
            upgradeTimeout = configuration.upgradeTimeout
        }
    }

    private var limits: Limits { server.limits }

    // MARK: - Sending

    /// Queues a packet (one frame, or a Socket.IO packet with its binary attachments, which are
    /// kept together). A waiting packet with the same `coalescingKey` is replaced instead.
    /// Never waits: a client that falls more than `clientBufferLimit` bytes behind is closed.
    public func send(_ frames: [EngineFrame], coalescingKey: String? = nil) {
        if let link = enqueue(frames, coalescingKey: coalescingKey) {
            scheduleDrain(link)
        }
    }

    /// Queues like `send`, answering a held poll or closing an overflowing client at once, but
    /// leaves the WebSocket write to the caller: returns the link to drain when one must be
    /// scheduled (a broadcast drains all sessions of an event loop in one task).
    func enqueue(_ frames: [EngineFrame], coalescingKey: String?) -> WebSocketLink? {
        var overflow = false
        let wake = state.withLock { s -> Wake in
            guard s.isOpen else { return .none }
            s.queue.append(frames, key: coalescingKey)
            if s.queue.bytes > limits.clientBufferLimit {
                overflow = true
                return .none
            }
            return Self.wake(&s, limits)
        }
        if overflow {
            close(.slowClient)
            return nil
        }
        if case .drain(let link) = wake { return link }
        perform(wake)
        return nil
    }

    /// Queues one text message.
    public func send(text: String, coalescingKey: String? = nil) {
        send([.message(text)], coalescingKey: coalescingKey)
    }

    /// What must happen outside the lock after something was queued.
    private enum Wake {
        case none
        case answerPoll(CheckedContinuation<PollOutcome, Never>, [EngineFrame])
        case drain(WebSocketLink)
    }

    private static func wake(_ s: inout State, _ limits: Limits) -> Wake {
        switch s.transport {
        case .polling:
            guard let held = s.heldPoll, !s.queue.isEmpty else { return .none }
            s.heldPoll = nil
            return .answerPoll(held, s.queue.removeFirst(upTo: limits.maxPacketsPerPoll))
        case .websocket(let link):
            guard !s.drainScheduled, !s.queue.isEmpty, !s.blocked else { return .none }
            s.drainScheduled = true
            return .drain(link)
        }
    }

    private func perform(_ wake: Wake) {
        switch wake {
        case .none:
            break
        case let .answerPoll(continuation, frames):
            continuation.resume(returning: .frames(frames))
        case .drain(let link):
            scheduleDrain(link)
        }
    }

    private func scheduleDrain(_ link: WebSocketLink) {
        let loop = link.eventLoop
        if loop.inEventLoop {
            drain(link)
        } else {
            loop.execute { self.drain(link) }
        }
    }

    /// Hands waiting packets to the WebSocket while its buffer has room (below the write
    /// window); when it fills up, the rest waits for `webSocketWritable`. Runs on its event
    /// loop, where the channel's writability changes, so the check cannot go stale. Writes
    /// need no promise: NIO's writability is the flow control.
    func drain(_ link: WebSocketLink) {
        while true {
            let frame = state.withLock { s -> EngineFrame? in
                s.drainScheduled = false
                guard s.isOpen, case .websocket(let current) = s.transport, current === link else { return nil }
                guard link.channel.isWritable else {
                    s.blocked = true
                    return nil
                }
                return s.queue.popFirst()
            }
            guard let frame else { return }
            link.writeOnLoop(frame)
        }
    }

    /// The WebSocket's buffer drained below the low water mark: sending resumes. On its event
    /// loop.
    func webSocketWritable(_ link: WebSocketLink) {
        state.withLock { $0.blocked = false }
        drain(link)
    }

    // MARK: - Closing

    public var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Whether a long-polling GET is waiting for packets now.
    var holdsPoll: Bool { state.withLock { $0.heldPoll != nil } }

    /// Ends the session: a held poll is answered (noop when the client asked to close, else a
    /// close packet), WebSockets get a close frame, the handler hears why.
    public func close(_ reason: EngineCloseReason) {
        let taken = state.withLock { s -> (CheckedContinuation<PollOutcome, Never>?, WebSocketLink?, WebSocketLink?, (any EngineSessionHandler)?)? in
            guard s.isOpen else { return nil }
            s.isOpen = false
            s.queue.removeAll()
            let held = s.heldPoll
            s.heldPoll = nil
            var link: WebSocketLink?
            if case .websocket(let current) = s.transport { link = current }
            let probe = s.probe
            s.probe = nil
            let handler = s.handler
            s.handler = nil
            return (held, link, probe, handler)
        }
        guard let (held, link, probe, handler) = taken else { return }
        held?.resume(returning: .frames([EngineFrame(packet: reason == .clientClosed ? .noop : .close)]))
        if held == nil, link == nil, reason == .clientClosed { server.rememberClientClose(id) }
        switch reason {
        case .protocolError:
            link?.close(code: .protocolError)
        case .transportError, .clientClosed:
            link?.close()
        default:
            link?.close(code: .goingAway)
        }
        probe?.close()
        server.remove(self)
        handler?.closed(reason)
    }

    // MARK: - Receiving

    func attach(_ handler: any EngineSessionHandler) {
        state.withLock { $0.handler = handler }
    }

    /// The layer above asks to close the session unless it hears from the client by
    /// `deadline` (nil cancels). Socket.IO uses it for its connect timeout.
    public func setHandshakeDeadline(_ deadline: ContinuousClock.Instant?) {
        state.withLock { $0.handshakeDeadline = deadline }
    }

    /// Acts on the packets of a polling POST, in order. Returns false once the session is
    /// closed.
    func receive(_ packets: [EnginePacket]) async -> Bool {
        for packet in packets {
            switch packet {
            case .message(let message):
                guard let handler = state.withLock({ $0.isOpen ? $0.handler : nil }) else { return false }
                do {
                    try await Self.deliver(message, to: handler)
                } catch {
                    close(.protocolError("\(error)"))
                    return false
                }
            case .pong:
                receivedPong()
            case .close:
                close(.clientClosed)
                return false
            case .noop:
                break
            case .ping, .open, .upgrade:
                // v4 heartbeats go from server to client; open and upgrade never come from one.
                close(.protocolError("unexpected \(packet) packet"))
                return false
            }
        }
        return isOpen
    }

    /// Runs the handler for one message in a task of its own, and waits for it (messages stay
    /// in order). A task keeps every stack slab it once needed until it ends, so the deepest
    /// work of a message (a token check on connect, a database read on subscribe) would
    /// otherwise stay allocated in the HTTP connection's task for as long as the client keeps
    /// that connection open. Cancelling the request cancels the handler.
    private static func deliver(_ message: EngineMessage, to handler: any EngineSessionHandler) async throws {
        let task = Task { try await handler.received(message) }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    // MARK: - Heartbeat and deadlines

    /// Called periodically by the server: sends due pings and closes sessions whose client
    /// missed a deadline.
    func tick(now: ContinuousClock.Instant) {
        enum Action {
            case none
            case wake(Wake)
            case close(EngineCloseReason)
            case dropProbe(WebSocketLink)
        }
        let action = state.withLock { s -> Action in
            guard s.isOpen else { return .none }
            if let deadline = s.upgradeDeadline, now >= deadline, let probe = s.probe {
                s.probe = nil
                s.upgrading = false
                s.upgradeDeadline = nil
                return .dropProbe(probe)
            }
            if let deadline = s.handshakeDeadline, now >= deadline { return .close(.handshakeTimeout) }
            if !s.upgrading, let deadline = s.pongDeadline, now >= deadline { return .close(.pingTimeout) }
            if let due = s.nextPing, now >= due {
                s.nextPing = nil
                // The deadline counts from when the ping was due, not from when this check ran, so
                // the client is closed after pingInterval + pingTimeout exactly, as the protocol says.
                s.pongDeadline = due + limits.pingTimeout
                s.queue.append([EngineFrame(packet: .ping(""))], key: nil)
                return .wake(Self.wake(&s, limits))
            }
            return .none
        }
        switch action {
        case .none: break
        case .wake(let wake): perform(wake)
        case .close(let reason): close(reason)
        case .dropProbe(let probe): probe.close()
        }
    }

    /// True when the client missed its pong deadline: requests that arrive after it find the
    /// session closed even if the periodic check has not run yet.
    private func expireIfLate() -> Bool {
        let late = state.withLock { s in
            guard s.isOpen, !s.upgrading, let deadline = s.pongDeadline else { return false }
            return ContinuousClock.now >= deadline
        }
        if late { close(.pingTimeout) }
        return late
    }

    // MARK: - Long-polling

    /// A GET: answers at once with what is queued (at most maxPacketsPerPoll packets), else
    /// waits until something is queued or the session ends.
    func poll() async -> PollOutcome {
        if expireIfLate() { return .failure(.unknownSession) }
        var duplicate: CheckedContinuation<PollOutcome, Never>?
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<PollOutcome, Never>) in
            let immediate = state.withLock { s -> PollOutcome? in
                guard s.isOpen else { return .failure(.unknownSession) }
                guard case .polling = s.transport else { return .failure(.badRequest("the session was upgraded")) }
                if s.heldPoll != nil {
                    duplicate = s.heldPoll
                    return .failure(.badRequest("overlapping poll requests"))
                }
                if s.upgrading { return .frames([EngineFrame(packet: .noop)]) }
                if !s.queue.isEmpty {
                    return .frames(s.queue.removeFirst(upTo: limits.maxPacketsPerPoll))
                }
                s.heldPoll = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        if duplicate != nil {
            // The protocol closes a session that polls twice at once; the held poll gets `1`.
            close(.protocolError("overlapping poll requests"))
        }
        return outcome
    }

    /// A POST body: its packets are handled in order before the request is answered.
    func post(_ body: ByteBuffer) async -> EngineHTTPError? {
        if expireIfLate() { return .unknownSession }
        enum Admission { case accepted, refused(EngineHTTPError), overlapping }
        let admission = state.withLock { s -> Admission in
            guard s.isOpen else { return .refused(.unknownSession) }
            guard case .polling = s.transport else { return .refused(.badRequest("the session was upgraded")) }
            guard !s.posting else { return .overlapping }
            s.posting = true
            return .accepted
        }
        switch admission {
        case .accepted:
            break
        case .refused(let error):
            return error
        case .overlapping:
            close(.protocolError("overlapping data requests"))
            return .badRequest("overlapping data requests")
        }
        defer { state.withLock { $0.posting = false } }
        guard let packets = PollingPayload.decode(body) else {
            close(.protocolError("malformed polling payload"))
            return .badRequest("malformed payload")
        }
        _ = await receive(packets)
        return nil
    }

    // MARK: - WebSocket transport and upgrade

    /// A packet from the WebSocket that carries the session, kept in order for the task that
    /// hands messages to the handler.
    enum Inbound {
        case packet(EnginePacket)
        case malformed
        /// The WebSocket ended.
        case ended

        var size: Int {
            switch self {
            case .packet(.message(.text(let text))): text.utf8.count
            case .packet(.message(.binary(let data))): data.readableBytes
            default: 0
            }
        }
    }

    /// Queued inbound packets beyond which the WebSocket stops reading until the handler
    /// catches up (or beyond maxPayload bytes).
    static let inboundQueueLimit = 32

    /// What the session's WebSocket `link` received, on its event loop: a message of the
    /// transport, or of a probe taking over from polling.
    func webSocketReceived(_ message: WebSocketMessage, on link: WebSocketLink) {
        switch role(of: link) {
        case .probe:
            probeReceived(message, on: link)
        case .transport:
            guard let packet = Self.packet(message) else { return receiveInOrder(.malformed, on: link) }
            receiveInOrder(.packet(packet), on: link)
        case .none:
            break
        }
    }

    /// The WebSocket `link` ended (on its event loop): a probe is abandoned (polling carries
    /// on), the transport's end closes the session once what it sent before is handled.
    func webSocketEnded(_ link: WebSocketLink) {
        switch role(of: link) {
        case .probe: abandonProbe(link)
        case .transport: receiveInOrder(.ended, on: link)
        case .none: break
        }
    }

    private enum LinkRole { case probe, transport, none }

    private func role(of link: WebSocketLink) -> LinkRole {
        state.withLock { s in
            if s.probe === link { return .probe }
            if case .websocket(let current) = s.transport, current === link { return .transport }
            return .none
        }
    }

    /// Acts on a packet of the WebSocket transport. Pongs count at once; messages go to the
    /// handler in order, in a task that exists only while there are messages to hand over (a
    /// task keeps every stack slab it once needed, so an idle connection keeps none); what
    /// else arrives (close, a protocol error, the end) waits for the messages before it, and is
    /// acted on at once when there are none.
    private func receiveInOrder(_ item: Inbound, on link: WebSocketLink) {
        switch item {
        case .packet(.pong):
            receivedPong()
            return
        case .packet(.noop):
            return
        default:
            break
        }
        enum Next { case drop, now, startDelivery, queued, pause }
        let maxPayload = limits.maxPayload
        let next = state.withLock { s -> Next in
            guard s.isOpen else { return .drop }
            if !s.delivering {
                guard case .packet(.message) = item else { return .now }
                s.delivering = true
                s.inbound.append(item)
                s.inboundBytes = item.size
                return .startDelivery
            }
            s.inbound.append(item)
            s.inboundBytes += item.size
            if !s.readPaused, s.inbound.count >= Self.inboundQueueLimit || s.inboundBytes > maxPayload {
                s.readPaused = true
                return .pause
            }
            return .queued
        }
        switch next {
        case .drop, .queued: break
        case .now: act(on: item)
        case .pause: link.pauseReading()
        case .startDelivery: Task { await self.deliverInbound(link) }
        }
    }

    /// Hands queued packets to the handler, one at a time, until none is left.
    private func deliverInbound(_ link: WebSocketLink) async {
        while true {
            let (item, resume) = state.withLock { s -> (Inbound?, Bool) in
                guard s.isOpen, !s.inbound.isEmpty else {
                    s.delivering = false
                    s.inbound.removeAll()
                    s.inboundBytes = 0
                    defer { s.readPaused = false }
                    return (nil, s.readPaused)
                }
                let item = s.inbound.removeFirst()
                s.inboundBytes -= item.size
                let resume = s.readPaused && s.inbound.count < Self.inboundQueueLimit / 2
                if resume { s.readPaused = false }
                return (item, resume)
            }
            if resume { link.resumeReading() }
            guard let item else { return }
            if case .packet(.message(let message)) = item {
                guard let handler = state.withLock({ $0.isOpen ? $0.handler : nil }) else { continue }
                do {
                    try await handler.received(message)
                } catch {
                    close(.protocolError("\(error)"))
                }
            } else {
                act(on: item)
            }
        }
    }

    /// What a WebSocket packet other than a message, pong or noop does.
    private func act(on item: Inbound) {
        switch item {
        case .packet(.close), .ended:
            close(.clientClosed)
        case .malformed:
            close(.protocolError("malformed packet"))
        case .packet(let packet):
            // v4 heartbeats go from server to client; open and upgrade never come from one.
            close(.protocolError("unexpected \(packet) packet"))
        }
    }

    private func receivedPong() {
        state.withLock { s in
            guard s.pongDeadline != nil else { return }
            s.pongDeadline = nil
            s.nextPing = .now + limits.pingInterval
        }
    }

    /// Registers a probing WebSocket; false when the session cannot be upgraded (closed,
    /// already upgraded, or another probe is running).
    func beginProbe(_ link: WebSocketLink) -> Bool {
        state.withLock { s in
            guard s.isOpen, case .polling = s.transport, s.probe == nil else { return false }
            s.probe = link
            s.upgradeDeadline = .now + limits.upgradeTimeout
            return true
        }
    }

    /// A message of the probing WebSocket: `2probe` is answered `3probe` (its first frame),
    /// polls get noop from then on, and `5` moves the session onto this WebSocket, which then
    /// carries it. Anything else abandons the probe.
    private func probeReceived(_ message: WebSocketMessage, on link: WebSocketLink) {
        guard case .text(let text) = message, let packet = EnginePacket.decode(text: text) else { return abandonProbe(link) }
        switch packet {
        case .ping("probe"):
            let held = state.withLock { s -> CheckedContinuation<PollOutcome, Never>? in
                guard s.probe === link else { return nil }
                s.upgrading = true
                let held = s.heldPoll
                s.heldPoll = nil
                return held
            }
            link.write(EngineFrame(packet: .pong("probe")))
            held?.resume(returning: .frames([EngineFrame(packet: .noop)]))
        case .upgrade:
            if !completeUpgrade(link) { abandonProbe(link) }
        default:
            abandonProbe(link)
        }
    }

    private func completeUpgrade(_ link: WebSocketLink) -> Bool {
        let outcome = state.withLock { s -> (CheckedContinuation<PollOutcome, Never>?, Wake)? in
            guard s.isOpen, s.probe === link, s.upgrading else { return nil }
            s.probe = nil
            s.upgrading = false
            s.upgradeDeadline = nil
            s.transport = .websocket(link)
            if s.pongDeadline != nil {
                // Heartbeats paused during the upgrade; give the client a full timeout now.
                s.pongDeadline = .now + limits.pingTimeout
            }
            let held = s.heldPoll
            s.heldPoll = nil
            return (held, Self.wake(&s, limits))
        }
        guard let (held, wake) = outcome else { return false }
        held?.resume(returning: .frames([EngineFrame(packet: .noop)]))
        perform(wake)
        return true
    }

    /// The probe failed or its socket closed before the upgrade: polling carries on.
    private func abandonProbe(_ link: WebSocketLink) {
        let wasProbe = state.withLock { s -> Bool in
            guard s.probe === link else { return false }
            s.probe = nil
            s.upgrading = false
            s.upgradeDeadline = nil
            return true
        }
        if wasProbe { link.close() }
    }

    static func packet(_ message: WebSocketMessage) -> EnginePacket? {
        switch message {
        case .text(let text): EnginePacket.decode(text: text)
        case .binary(let data): .message(.binary(data))
        }
    }
}
