import NIOCore
import NIOWebSocket

/// One WebSocket connection: the transport of a session, or a probe upgrading one.
///
/// Frames are written straight to the NIO channel on its event loop rather than through an
/// async writer: a broadcast to thousands of clients then costs one event-loop task per
/// client and never waits for a slow one. Flow control is done by the session, which counts
/// the bytes handed to the channel until their write completes.
final class WebSocketLink: Sendable {
    let channel: any Channel
    let closeTimeout: Duration

    init(channel: any Channel, closeTimeout: Duration) {
        self.channel = channel
        self.closeTimeout = closeTimeout
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

    private func writeOnLoop(_ frames: [EngineFrame], completion: (@Sendable () -> Void)?) {
        guard let last = frames.last else {
            completion?()
            return
        }
        // One flush per frame: each packet leaves in its own write, as the reference server's
        // do, rather than several packets in one segment.
        for frame in frames.dropLast() {
            channel.writeAndFlush(Self.webSocketFrame(frame), promise: nil)
        }
        if let completion {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in completion() }
            channel.writeAndFlush(Self.webSocketFrame(last), promise: promise)
        } else {
            channel.writeAndFlush(Self.webSocketFrame(last), promise: nil)
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

    private static func webSocketFrame(_ frame: EngineFrame) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: frame.isBinary ? .binary : .text, data: frame.bytes)
    }
}
