import NIOCore
import NIOWebSocket

/// One WebSocket connection: the transport of a session, or a probe upgrading one. Its frames
/// are read by `EngineWebSocketHandler` on the event loop; no task waits on it.
///
/// Frames are written straight to the NIO channel on its event loop rather than through an
/// async writer: a broadcast to thousands of clients then costs one event-loop task per
/// event loop (see `EngineBroadcast`) and never waits for a slow client. The frames are already
/// encoded WebSocket frames (`EngineFrame.wire`, shared by every recipient), so they are handed
/// to the socket below the WebSocket encoder by `WebSocketWireWriter`. Flow control is done by
/// the session, which counts the bytes handed to the channel until their write completes.
final class WebSocketLink: Sendable {
    let channel: any Channel
    private let writer: NIOLoopBound<WebSocketWireWriter>
    private let handler: NIOLoopBound<EngineWebSocketHandler>

    /// Installs the writer at the socket end of the pipeline and the WebSocket protocol
    /// handler at the other end, after NIO's frame decoder. Runs on the channel's event loop,
    /// once the upgrade response has gone (NIO's upgrader calls its pipeline setup there).
    init(channel: any Channel, maxPayload: Int, closeTimeout: Duration) throws {
        guard channel.eventLoop.inEventLoop else { throw ChannelError.inappropriateOperationForState }
        self.channel = channel
        let writer = WebSocketWireWriter()
        let handler = EngineWebSocketHandler(maxPayload: maxPayload, closeTimeout: closeTimeout)
        try channel.pipeline.syncOperations.addHandler(writer, position: .first)
        try channel.pipeline.syncOperations.addHandler(handler)
        self.writer = NIOLoopBound(writer, eventLoop: channel.eventLoop)
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        handler.link = self
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends what arrives to `receiver` from now on. On the event loop, before the buffered
    /// bytes that came with the upgrade request are replayed (the upgrade's pipeline setup).
    func attach(_ receiver: any WebSocketReceiver) {
        handler.value.receiver = receiver
    }

    /// Writes `frames` and flushes; `completion` runs on the event loop once the last write has
    /// completed (or failed because the connection is gone).
    func write(_ frames: [EngineFrame], completion: (@Sendable () -> Void)? = nil) {
        let loop = channel.eventLoop
        if loop.inEventLoop {
            writeOnLoop(frames, completion: completion)
        } else {
            loop.execute { self.writeOnLoop(frames, completion: completion) }
        }
    }

    /// `write` for a caller already on the event loop.
    func writeOnLoop(_ frames: [EngineFrame], completion: (@Sendable () -> Void)?) {
        guard let last = frames.last else {
            completion?()
            return
        }
        let writer = self.writer.value
        // One flush per frame: each packet leaves in its own write, as the reference server's
        // do, rather than several packets in one segment.
        for frame in frames.dropLast() {
            writer.write(frame.wire, promise: nil)
        }
        if let completion {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in completion() }
            writer.write(last.wire, promise: promise)
        } else {
            writer.write(last.wire, promise: nil)
        }
    }

    /// Sends a close frame after anything already written (nothing when a close frame already
    /// went either way), half-closes the connection so the client sees the end, and drops it
    /// if the client has not finished closing within the close timeout.
    func close(code: WebSocketErrorCode = .normalClosure) {
        onLoop { $0.close(code: code) }
    }

    /// Holds back reading from the client until `resumeReading`. On the event loop.
    func pauseReading() {
        handler.value.pauseReading()
    }

    func resumeReading() {
        onLoop { $0.resumeReading() }
    }

    private func onLoop(_ body: @escaping @Sendable (EngineWebSocketHandler) -> Void) {
        let loop = channel.eventLoop
        if loop.inEventLoop {
            body(handler.value)
        } else {
            let handler = self.handler
            loop.execute { body(handler.value) }
        }
    }
}

/// Sits first in the pipeline, next to the socket, and writes pre-encoded WebSocket frames
/// from there: they skip the frame encoder and the async channel's handlers, which would only
/// pass them on. Inbound events go through untouched.
final class WebSocketWireWriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// Writes and flushes one frame; fails the promise when the handler has left the pipeline
    /// (the connection closed).
    func write(_ frame: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.writeAndFlush(NIOAny(frame), promise: promise)
    }
}
