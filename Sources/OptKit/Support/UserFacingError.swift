import Foundation

/// The class of a failure. It alone decides the CLI exit code and the REST status and `error`
/// code (docs/contracts in ../shared fix both tables), so the two front ends cannot drift.
public enum ErrorKind: String, Sendable, CaseIterable {
    /// A request or argument with invalid values: exit 64, HTTP 400 validation_error.
    case validation
    /// Input data that cannot be parsed (bad JSON, bad ONNX, bad calibration data):
    /// exit 65, HTTP 400 validation_error.
    case malformedInput
    /// Contradictory values or a concurrent modification: exit 3, HTTP 409.
    case conflict
    /// A conditional write whose If-Match version is stale: exit 3, HTTP 412.
    case preconditionFailed
    /// The named session, model or file does not exist: exit 4, HTTP 404.
    case notFound
    /// An optimization finished but missed its criteria: exit 5.
    case criteriaNotMet
    /// Interrupted by SIGINT/SIGTERM: exit 130.
    case cancelled
    /// Reading or writing files failed, or the store cannot be opened: exit 1, HTTP 500.
    case io
    /// A defect or an unexpected failure: exit 1, HTTP 500.
    case `internal`

    public var exitCode: Int32 {
        switch self {
        case .validation: 64
        case .malformedInput: 65
        case .conflict, .preconditionFailed: 3
        case .notFound: 4
        case .criteriaNotMet: 5
        case .cancelled: 130
        case .io, .internal: 1
        }
    }

    /// The REST ErrorResponse `error` code.
    public var restCode: String {
        switch self {
        case .validation, .malformedInput: "validation_error"
        case .conflict, .criteriaNotMet: "conflict"
        case .preconditionFailed: "precondition_failed"
        case .notFound: "not_found"
        case .cancelled: "service_unavailable"
        case .io, .internal: "internal_error"
        }
    }
}

/// One problem with one field, reported together with every other problem of the request.
public struct FieldProblem: Codable, Equatable, Sendable {
    public var field: String
    public var value: JSONValue?
    public var message: String

    public init(field: String, value: JSONValue?, message: String) {
        self.field = field
        self.value = value
        self.message = message
    }
}

/// A domain error that the CLI prints as one line and the server maps to an ErrorResponse.
public protocol UserFacingError: Error, LocalizedError, Sendable {
    var kind: ErrorKind { get }
    /// One line, for a person: what is wrong and what it concerns.
    var message: String { get }
    /// The fields concerned, when the error is about a request's values.
    var fields: [FieldProblem] { get }
}

extension UserFacingError {
    public var fields: [FieldProblem] { [] }
    public var errorDescription: String? { message }
}

/// Invalid values in a request: every problem at once, each naming its field.
public struct InvalidRequest: UserFacingError, Equatable {
    public var kind: ErrorKind { .validation }
    public let message: String
    public let fields: [FieldProblem]

    public init(_ fields: [FieldProblem], message: String? = nil) {
        self.fields = fields
        self.message = message ?? Self.summary(of: fields)
    }

    /// "limit: must be …" for one problem; "invalid values for status, skip, limit" for more,
    /// whose details follow in `fields`.
    static func summary(of fields: [FieldProblem]) -> String {
        if fields.count == 1, let field = fields.first { return "\(field.field): \(field.message)" }
        var names: [String] = []
        for field in fields where !names.contains(field.field) { names.append(field.field) }
        return "invalid values for " + names.joined(separator: ", ")
    }
}

/// A file that cannot be used as input: missing, a directory, unreadable or malformed.
public struct InputError: UserFacingError, Equatable {
    public let kind: ErrorKind
    public let message: String

    public init(kind: ErrorKind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Reads a whole regular file, with errors that say which path and why.
    public static func readFile(at path: String) throws(InputError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(kind: .notFound, message: "\(path): no such file")
        }
        if isDirectory.boolValue {
            throw InputError(kind: .io, message: "\(path): is a directory, expected a file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError(kind: .io, message: "\(path): cannot be read (\(error.localizedDescription))")
        }
    }

    /// Parses a JSON document strictly, naming the source and the position of a syntax error.
    public static func parseJSON(_ data: Data, source: String) throws(InputError) -> JSONValue {
        do {
            return try JSONParser.parse(Array(data))
        } catch {
            throw InputError(kind: .malformedInput, message: "\(source): malformed JSON at \(error)")
        }
    }
}
