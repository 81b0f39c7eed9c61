import Foundation
import OptKit

/// The seed's ErrorResponse, the body of every non-2xx response:
/// `{error, message, details, timestamp, request_id}`. `error` is one of the codes fixed in
/// contracts.md; `details` holds machine-readable specifics (field problems under `fields`, a
/// JSON syntax error's `line` and `column`), or null.
public struct ErrorResponse: Codable, Equatable, Sendable {
    public var error: String
    public var message: String
    public var details: JSONValue?
    public var timestamp: Date
    public var requestID: String

    public init(error: String, message: String, details: JSONValue?, timestamp: Date, requestID: String) {
        self.error = error
        self.message = message
        self.details = details
        self.timestamp = timestamp
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case error, message, details, timestamp, requestID = "request_id"
    }

    /// `details` is written as null rather than omitted, so clients always see every field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encode(message, forKey: .message)
        try c.encode(details, forKey: .details)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(requestID, forKey: .requestID)
    }
}
