import NIOCore
import NIOWebSocket

/// One WebSocket connection: the transport of a session, or a probe upgrading one. Its frames
/// are read by `EngineWebSocketHandler` on the event loop; no task waits on it.
///
/// Frames are written straight to the NIO channel on its event loop rather than through an
/// async writer: a broadcast to thousands of clients then costs one event-loop task per
/// event loop (see `EngineBroadcast`) and never waits for a slow client. The frames are already
/// encoded WebSocket frames (`EngineFrame.wire`, shared by every recipient), so they are handed
/// to the socket below the WebSocket encoder by `WebSocketWireWriter`. Flow control is the
/// channel's writability: its high water mark is the session's write window.
final class WebSocketLink: Sendable {
    let channel: any Channel
    private let writer: NIOLoopBound<WebSocketWireWriter>
    private let handler: NIOLoopBound<EngineWebSocketHandler>

    /// Installs the writer at the socket end of the pipeline and the WebSocket protocol
    /// handler at the other end, after NIO's frame decoder. Runs on the channel's event loop,
    /// once the upgrade response has gone (NIO's upgrader calls its pipeline setup there).
    init(channel: any Channel, maxPayload: Int, writeWindow: Int, closeTimeout: Duration) throws {
        guard channel.eventLoop.inEventLoop else { throw ChannelError.inappropriateOperationForState }
        self.channel = channel
        let writer = WebSocketWireWriter()
        let handler = EngineWebSocketHandler(maxPayload: maxPayload, closeTimeout: closeTimeout)
        try channel.pipeline.syncOperations.addHandler(writer, position: .first)
        try channel.pipeline.syncOperations.addHandler(handler)
        // The channel turns unwritable beyond the write window; sessions wait for it to drain.
        try channel.syncOptions?.setOption(
            ChannelOptions.writeBufferWaterMark, value: .init(low: writeWindow / 2, high: writeWindow))
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

    /// Writes `frame` and flushes, from any thread.
    func write(_ frame: EngineFrame) {
        let loop = channel.eventLoop
        if loop.inEventLoop {
            writeOnLoop(frame)
        } else {
            loop.execute { self.writeOnLoop(frame) }
        }
    }

    /// Writes `frame` and flushes, on the event loop. One flush per frame: each packet leaves
    /// in its own write, as the reference server's do, rather than several in one segment.
    func writeOnLoop(_ frame: EngineFrame) {
        writer.value.write(frame.wire)
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

    /// Writes and flushes one frame; nothing once the handler has left the pipeline (the
    /// connection closed).
    func write(_ frame: ByteBuffer) {
        context?.writeAndFlush(NIOAny(frame), promise: nil)
    }
}
