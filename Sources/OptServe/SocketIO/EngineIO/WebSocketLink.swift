import NIOCore
import NIOWebSocket

/// One WebSocket connection: the transport of a session, or a probe upgrading one.
///
/// Frames are written straight to the NIO channel on its event loop rather than through an
/// async writer: a broadcast to thousands of clients then costs one event-loop task per
/// event loop (see `EngineBroadcast`) and never waits for a slow client. The frames are already
/// encoded WebSocket frames (`EngineFrame.wire`, shared by every recipient), so they are handed
/// to the socket below the WebSocket encoder by `WebSocketWireWriter`. Flow control is done by
/// the session, which counts the bytes handed to the channel until their write completes.
final class WebSocketLink: Sendable {
    let channel: any Channel
    let closeTimeout: Duration
    private let writer: NIOLoopBound<WebSocketWireWriter>

    /// Installs the writer at the socket end of the pipeline. Must run on the channel's event
    /// loop, before the WebSocket upgrade completes: the synchronous `shouldUpgrade` decision of
    /// `.http1WebSocketUpgrade` runs there. Throws elsewhere (the upgrade is then refused).
    init(channel: any Channel, closeTimeout: Duration) throws {
        guard channel.eventLoop.inEventLoop else { throw ChannelError.inappropriateOperationForState }
        self.channel = channel
        self.closeTimeout = closeTimeout
        let writer = WebSocketWireWriter()
        try channel.pipeline.syncOperations.addHandler(writer, position: .first)
        self.writer = NIOLoopBound(writer, eventLoop: channel.eventLoop)
    }

    var eventLoop: any EventLoop { channel.eventLoop }

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

    /// Sends a close frame after anything already written, half-closes the connection so the
    /// client sees the end, and drops it if the client has not finished closing within the
    /// close timeout. The reader of the connection ends when the client answers.
    func close(code: WebSocketErrorCode = .normalClosure) {
        let loop = channel.eventLoop
        loop.execute {
            var data = self.channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: code)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
            let channel = self.channel
            channel.writeAndFlush(frame).whenComplete { _ in
                channel.close(mode: .output, promise: nil)
            }
            let (seconds, attoseconds) = self.closeTimeout.components
            let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
    }

    /// Drops the connection at once, for a client that broke the protocol.
    func abort() {
        channel.close(promise: nil)
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
