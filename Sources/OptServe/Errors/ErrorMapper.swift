import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OptKit

/// The one place where a failure becomes an HTTP status and an ErrorResponse, so the codes of
/// contracts.md cannot drift between endpoints.
public enum ErrorMapper {
    /// Maps any error. Internal failures (store I/O, defects) get a generic message: their
    /// text can name files and SQL, so it goes to the log with the request id, never to the client.
    public static func map(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any UserFacingError:
            return map(userFacing: error)
        case let error as HTTPError:
            return map(httpError: error)
        case let error as any HTTPResponseError:
            return fromStatus(error.status, message: nil)
        default:
            return internalError
        }
    }

    static let internalError = APIError(
        .internalServerError, code: "internal_error",
        message: "the server failed to complete the request; the server log has the details under this request_id")

    static func map(userFacing error: any UserFacingError) -> APIError {
        let details = error.fields.isEmpty ? nil : Self.details(fields: error.fields)
        switch error.kind {
        case .validation, .malformedInput:
            return APIError(.badRequest, code: error.kind.restCode, message: error.message, details: details)
        case .conflict, .criteriaNotMet:
            return APIError(.conflict, code: error.kind.restCode, message: error.message, details: details)
        case .preconditionFailed:
            return APIError(.preconditionFailed, code: error.kind.restCode, message: error.message, details: details)
        case .notFound:
            return APIError(.notFound, code: error.kind.restCode, message: error.message, details: details)
        case .cancelled:
            return APIError(.serviceUnavailable, code: error.kind.restCode, message: "the server is shutting down; retry later")
        case .io, .internal:
            return internalError
        }
    }

    /// Hummingbird's own errors: the router's 404, the body collector's 413 and the like.
    static func map(httpError error: HTTPError) -> APIError {
        var mapped = fromStatus(error.status, message: error.body)
        mapped.headers.append(contentsOf: error.headers)
        return mapped
    }

    static func fromStatus(_ status: HTTPResponse.Status, message: String?) -> APIError {
        switch status.code {
        case 400: return APIError(status, code: "validation_error", message: message ?? "the request is malformed")
        case 401: return .unauthorized(message ?? "authentication required")
        case 403: return .forbidden(message ?? "not allowed")
        case 404: return .notFound(message ?? "no such resource")
        case 405: return APIError(status, code: "method_not_allowed", message: message ?? "method not allowed")
        case 409: return APIError(status, code: "conflict", message: message ?? "conflict")
        case 412: return APIError(status, code: "precondition_failed", message: message ?? "precondition failed")
        case 413: return APIError(status, code: "payload_too_large", message: message ?? "the request body is too large")
        case 415: return APIError(status, code: "unsupported_media_type", message: message ?? "unsupported media type")
        case 429: return APIError(status, code: "rate_limited", message: message ?? "too many requests")
        case 503: return .serviceUnavailable(message ?? "the service is unavailable")
        case 400..<500: return APIError(status, code: "validation_error", message: message ?? status.reasonPhrase)
        default: return internalError
        }
    }

    /// `details` for field problems: `{"fields": [{"field", "value", "message"}]}`, value null
    /// when the field was missing.
    public static func details(fields: [FieldProblem]) -> JSONValue {
        .object(["fields": .array(fields.map { problem in
            .object([
                "field": .string(problem.field), "value": problem.value ?? .null, "message": .string(problem.message),
            ])
        })])
    }
}
