import Foundation
import HTTPTypes
import OptKit

/// A failure decided at the HTTP edge (authentication, authorization, content negotiation,
/// limits). Domain failures are `UserFacingError`s from OptKit; `ErrorMapper` turns both into
/// the one ErrorResponse shape.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    /// The contracts' `error` code.
    public var code: String
    public var message: String
    public var details: JSONValue?
    /// Extra response headers (Allow, Retry-After, WWW-Authenticate).
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, details: JSONValue? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public static func unauthorized(_ message: String) -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer"
        return APIError(.unauthorized, code: "unauthorized", message: message, headers: headers)
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            .methodNotAllowed, code: "method_not_allowed",
            message: "\(method.rawValue) is not allowed on \(path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))",
            details: .object(["allowed_methods": .array(allowed.map { .string($0.rawValue) })]), headers: headers)
    }

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            .contentTooLarge, code: "payload_too_large", message: "the request body is larger than \(limit) bytes",
            details: .object(["limit_bytes": .number(Double(limit))]))
    }

    public static func unsupportedMediaType(expected: String, got: String?) -> APIError {
        APIError(
            .unsupportedMediaType, code: "unsupported_media_type",
            message: "the request body must be \(expected)" + (got.map { ", not \($0)" } ?? " (Content-Type is missing)"),
            details: .object(["expected": .string(expected), "received": got.map(JSONValue.string) ?? .null]))
    }

    public static func rateLimited(retryAfter seconds: Int) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        return APIError(
            .tooManyRequests, code: "rate_limited", message: "too many requests; retry in \(seconds) s",
            details: .object(["retry_after_seconds": .number(Double(seconds))]), headers: headers)
    }

    public static func serviceUnavailable(_ message: String, retryAfter: Int? = nil, details: JSONValue? = nil) -> APIError {
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return APIError(.serviceUnavailable, code: "service_unavailable", message: message, details: details, headers: headers)
    }

    /// A request whose values are wrong, in the same shape as OptKit's `InvalidRequest`.
    public static func validation(_ problems: [FieldProblem], message: String? = nil) -> APIError {
        let invalid = InvalidRequest(problems, message: message)
        return APIError(
            .badRequest, code: "validation_error", message: invalid.message,
            details: ErrorMapper.details(fields: problems))
    }
}
