import ArgumentParser
import Foundation
import OptKit

/// Where a command's results and errors go, and how they look: JSON for scripts, aligned text
/// for people, colour only on a terminal and never when NO_COLOR is set.
struct Output: Sendable {
    let json: Bool
    let quiet: Bool
    let style: Style

    init(json: Bool, quiet: Bool) {
        self.json = json
        self.quiet = quiet
        self.style = Style(enabled: !json && Style.terminalWantsColor(fileDescriptor: STDOUT_FILENO))
    }

    /// A result for scripts: stable, sorted, snake_case JSON.
    func printJSON<T: Encodable>(_ value: T) {
        Console.out(JSONCoding.string(value, pretty: true))
    }

    /// A line of the command's result.
    func line(_ text: String = "") {
        Console.out(text)
    }

    /// A remark for a person (what was done); --quiet and --json suppress it.
    func note(_ text: String) {
        guard !quiet, !json else { return }
        Console.out(text)
    }

    /// Prints `error` (one line on stderr, field details below it; with --json also the
    /// ErrorResponse object on stdout) and returns the error ArgumentParser should exit with.
    func report(_ error: any Error) -> any Error {
        switch error {
        case is ExitCode, is CleanExit, is ValidationError: return error
        default: break
        }
        let kind: ErrorKind
        let message: String
        let fields: [FieldProblem]
        if let error = error as? any UserFacingError {
            (kind, message, fields) = (error.kind, error.message, error.fields)
        } else {
            (kind, message, fields) = (.internal, "internal error: \(error.localizedDescription)", [])
        }
        var lines = ["optctl: error: \(message)"]
        if fields.count > 1 {
            lines += fields.map { "  \($0.field): \($0.message)" }
        }
        Console.error(lines.joined(separator: "\n"))
        if json {
            printJSON(ErrorObject(kind: kind, message: message, fields: fields))
        }
        return ExitCode(kind.exitCode)
    }
}

/// The REST ErrorResponse's fields, so that a script sees the same error object from the CLI
/// as from the server.
struct ErrorObject: Encodable {
    let error: String
    let message: String
    let details: [String: [FieldProblem]]?
    let timestamp: Date
    let requestID: String

    init(kind: ErrorKind, message: String, fields: [FieldProblem]) {
        error = kind.restCode
        self.message = message
        details = fields.isEmpty ? nil : ["fields": fields]
        timestamp = Timestamp.now()
        requestID = UUID().uuidString.lowercased()
    }

    enum CodingKeys: String, CodingKey {
        case error, message, details, timestamp, requestID = "request_id"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encode(message, forKey: .message)
        try c.encode(details, forKey: .details)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(requestID, forKey: .requestID)
    }
}
