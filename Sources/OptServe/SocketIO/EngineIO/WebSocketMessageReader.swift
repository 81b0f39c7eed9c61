import HummingbirdWebSocket
import NIOCore

/// Whole messages from a WebSocket (fragments joined, at most maxPayload bytes). A protocol
/// violation or a lost connection simply ends the sequence: the session decides what that
/// means.
struct WebSocketMessageReader {
    enum Message {
        case text(String)
        case binary(ByteBuffer)
    }

    private var iterator: WebSocketInboundMessageStream.AsyncIterator

    init(_ inbound: WebSocketInboundStream, maxPayload: Int) {
        iterator = inbound.messages(maxSize: maxPayload).makeAsyncIterator()
    }

    mutating func next() async -> Message? {
        do {
            switch try await iterator.next() {
            case .text(let text): return .text(text)
            case .binary(let data): return .binary(data)
            case nil: return nil
            }
        } catch {
            return nil
        }
    }
}
