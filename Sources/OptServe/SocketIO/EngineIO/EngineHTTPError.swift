import Hummingbird

/// A refused Engine.IO HTTP request: the status and the `{"code":N,"message":"…"}` body that
/// the reference server sends (codes 0–5 are the protocol's own).
enum EngineHTTPError: Error, Equatable {
    case unknownTransport
    case unknownSession
    case badHandshakeMethod
    case badRequest(String)
    case unsupportedProtocolVersion
    case payloadTooLarge
    case tooManyConnections
    case rateLimited(retryAfterSeconds: Int)

    var status: HTTPResponse.Status {
        switch self {
        case .payloadTooLarge: .contentTooLarge
        case .tooManyConnections: .serviceUnavailable
        case .rateLimited: .tooManyRequests
        default: .badRequest
        }
    }

    var code: Int {
        switch self {
        case .unknownTransport: 0
        case .unknownSession: 1
        case .badHandshakeMethod: 2
        case .badRequest, .payloadTooLarge, .tooManyConnections, .rateLimited: 3
        case .unsupportedProtocolVersion: 5
        }
    }

    var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest(let detail): "Bad request: \(detail)"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        case .payloadTooLarge: "Payload too large"
        case .tooManyConnections: "Too many connections"
        case .rateLimited: "Too many connection attempts"
        }
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .rateLimited(let seconds) = self { headers[.retryAfter] = String(seconds) }
        let body = "{\"code\":\(code),\"message\":\(JSONText.quoted(message))}"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
