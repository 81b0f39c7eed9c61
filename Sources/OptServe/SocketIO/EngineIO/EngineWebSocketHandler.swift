import NIOCore
import NIOWebSocket

/// Whole messages from a WebSocket: fragments joined, text checked as UTF-8.
enum WebSocketMessage {
    case text(String)
    case binary(ByteBuffer)
}

/// Who hears what arrives on a WebSocket: its Engine.IO session. Called on the connection's
/// event loop, in order.
protocol WebSocketReceiver: AnyObject, Sendable {
    /// A whole message.
    func webSocketReceived(_ message: WebSocketMessage, on link: WebSocketLink)
    /// The WebSocket ended: the client closed it, broke the protocol or went away. Called once,
    /// and nothing is received after it.
    func webSocketEnded(_ link: WebSocketLink)
    /// The connection's send buffer drained below its low water mark after being full.
    func webSocketWritable(_ link: WebSocketLink)
}

/// The WebSocket protocol of one connection, on its event loop, after NIO's frame decoder:
/// ping and pong, the close handshake, fragmented messages, UTF-8 validation of text and the
/// message size limit. The connection has no task of its own: a task keeps every stack slab it
/// once needed for as long as it lives, which for thousands of idle clients was most of their
/// memory (docs/benchmarks.md). Whole messages go to the `WebSocketReceiver`.
///
/// It also holds back the channel's reads while the receiver asks it to (`pauseReading`), so a
/// client that sends faster than its messages are handled waits in its socket buffer.
final class EngineWebSocketHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum CloseState {
        case open
        /// The server sent its close frame and waits for the client's.
        case closeSent
        case closed
    }

    private let maxPayload: Int
    private let closeTimeout: TimeAmount
    /// Set once the link is made; cleared when the WebSocket ends (this breaks the cycle
    /// receiver -> link -> handler -> receiver).
    var receiver: (any WebSocketReceiver)?
    var link: WebSocketLink?
    private var context: ChannelHandlerContext?
    private var closeState = CloseState.open
    private var closeTimer: Scheduled<Void>?
    /// A fragmented message being received: its type and the bytes so far.
    private var fragments: (isText: Bool, data: ByteBuffer)?
    private var readPaused = false
    private var readHeld = false

    init(maxPayload: Int, closeTimeout: Duration) {
        self.maxPayload = maxPayload
        let (seconds, attoseconds) = closeTimeout.components
        self.closeTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        closeTimer = nil
        self.context = nil
        receiver = nil
        link = nil
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch closeState {
        case .open:
            break
        case .closeSent:
            // Only the client's close frame matters now.
            if frame.opcode == .connectionClose { finishClose(context: context) }
            return
        case .closed:
            return
        }
        // Client frames are masked (RFC 6455 5.1) and, with no extension negotiated, use no
        // reserved bit.
        guard frame.maskKey != nil, frame.reservedBits.isEmpty else { return fail(.protocolError, context: context) }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return fail(.protocolError, context: context) }
            guard frame.length <= maxPayload else { return fail(.messageTooLarge, context: context) }
            if frame.fin {
                deliver(isText: frame.opcode == .text, frame.unmaskedData, context: context)
            } else {
                fragments = (frame.opcode == .text, frame.unmaskedData)
            }
        case .continuation:
            guard let (isText, received) = fragments else { return fail(.protocolError, context: context) }
            guard received.readableBytes + frame.length <= maxPayload else { return fail(.messageTooLarge, context: context) }
            fragments = nil
            var data = received
            var more = frame.unmaskedData
            data.writeBuffer(&more)
            if frame.fin {
                deliver(isText: isText, data, context: context)
            } else {
                fragments = (isText, data)
            }
        case .ping:
            // NIO's decoder already refused fragmented or long control frames.
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            receivedClose(frame, context: context)
        default:
            fail(.protocolError, context: context)
        }
    }

    private func deliver(isText: Bool, _ data: ByteBuffer, context: ChannelHandlerContext) {
        guard let link, let receiver else { return }
        if isText {
            guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
                return fail(.dataInconsistentWithMessage, context: context)
            }
            receiver.webSocketReceived(.text(text), on: link)
        } else {
            receiver.webSocketReceived(.binary(data), on: link)
        }
    }

    /// The client's close frame while open: answered with a close frame (normal, or protocol
    /// error for a malformed one, as WSCore does), then the connection is closed.
    private func receivedClose(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        var data = frame.unmaskedData
        var reply = WebSocketErrorCode.normalClosure
        if data.readableBytes > 0 {
            if let code = data.readInteger(as: UInt16.self) {
                let validReason = String(validating: data.readableBytesView, as: UTF8.self) != nil
                if !validReason || !Self.isValidReceivedCloseCode(code) { reply = .protocolError }
            } else {
                reply = .protocolError
            }
        }
        closeState = .closed
        fragments = nil
        // The receiver hears first: the session is closed before the client sees the end.
        ended()
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: reply)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    /// Codes a peer may send (RFC 6455 7.4): the defined ones other than those reserved for
    /// local use (1004 to 1006, 1015), IANA's registered 1012 to 1014, and 3000 to 4999.
    static func isValidReceivedCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            fail(.messageTooLarge, context: context)
        case NIOWebSocketError.fragmentedControlFrame, NIOWebSocketError.multiByteControlFrameLength:
            fail(.protocolError, context: context)
        default:
            // The connection failed (reset, or bytes after a decoding error): nothing to say.
            context.close(promise: nil)
        }
    }

    /// The client ended its side of the TCP connection without a close frame (the server
    /// allows half-closure, so this is an event, not the channel's end), or the HTTP server is
    /// shutting down and waits for every connection to close.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event as? ChannelEvent == .inputClosed {
            closeState = .closed
            ended()
            context.close(promise: nil)
        } else if event is ChannelShouldQuiesceEvent {
            close(code: .goingAway)
            ended()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let receiver, let link {
            receiver.webSocketWritable(link)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeState = .closed
        closeTimer?.cancel()
        closeTimer = nil
        ended()
        context.fireChannelInactive()
    }

    /// Tells the receiver, once.
    private func ended() {
        guard let receiver, let link else { return }
        self.receiver = nil
        receiver.webSocketEnded(link)
    }

    // MARK: - Closing

    /// Sends a close frame after anything already written, half-closes the connection so the
    /// client sees the end, and drops it if the client has not answered within the close
    /// timeout. Once the client's close frame arrives the connection is closed.
    func close(code: WebSocketErrorCode) {
        guard let context, closeState == .open else { return }
        closeState = .closeSent
        fragments = nil
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
            .whenComplete { _ in channel.close(mode: .output, promise: nil) }
        closeTimer = context.eventLoop.scheduleTask(in: closeTimeout) { channel.close(promise: nil) }
    }

    /// A protocol violation: close with `code` and tell the receiver the WebSocket ended.
    private func fail(_ code: WebSocketErrorCode, context: ChannelHandlerContext) {
        close(code: code)
        ended()
    }

    private func finishClose(context: ChannelHandlerContext) {
        closeState = .closed
        context.close(promise: nil)
    }

    // MARK: - Reading pace

    /// Holds back further reads until `resumeReading`.
    func pauseReading() {
        readPaused = true
    }

    func resumeReading() {
        readPaused = false
        if readHeld, let context {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if readPaused {
            readHeld = true
        } else {
            context.read()
        }
    }
}
