import Foundation

/// The seed's SessionFilter: which sessions to list and which page of them.
///
/// Built only through `init(status:modelID:startDate:endDate:skip:limit:)`, which checks every
/// parameter and reports all problems at once, each under the seed's parameter name. The CLI
/// and the REST API both pass the user's raw text, so both report the same problems.
public struct SessionFilter: Hashable, Sendable {
    public static let defaultLimit = 50
    public static let maximumLimit = 100

    public private(set) var status: SessionStatus?
    public private(set) var modelID: String?
    /// Sessions created at or after this instant.
    public private(set) var startDate: Date?
    /// Sessions created at or before this instant.
    public private(set) var endDate: Date?
    public private(set) var skip: Int
    public private(set) var limit: Int
    /// Only sessions owned by this user (the server's view for an engineer); not a query
    /// parameter, so it is set with `owned(by:)` rather than validated from text.
    public private(set) var owner: String?

    /// Validates raw parameter text. Empty text counts as absent, as in a query string `?status=`.
    public init(
        status: String? = nil, modelID: String? = nil, startDate: String? = nil, endDate: String? = nil,
        skip: String? = nil, limit: String? = nil
    ) throws(InvalidRequest) {
        var problems: [FieldProblem] = []
        func present(_ text: String?) -> String? {
            guard let text, !text.isEmpty else { return nil }
            return text
        }

        if let text = present(status) {
            if let value = SessionStatus(rawValue: text) {
                self.status = value
            } else {
                let allowed = SessionStatus.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(FieldProblem(field: "status", value: .string(text), message: "must be one of \(allowed)"))
            }
        }
        if let text = present(modelID) {
            if text.count > 200 {
                problems.append(FieldProblem(field: "model_id", value: .string(text), message: "must be at most 200 characters"))
            } else {
                self.modelID = text
            }
        }
        for (field, raw) in [("start_date", startDate), ("end_date", endDate)] {
            guard let text = present(raw) else { continue }
            guard let date = Timestamp.parse(text) else {
                problems.append(FieldProblem(
                    field: field, value: .string(text),
                    message: "must be an ISO-8601 date (2026-11-27) or timestamp with a zone (2026-11-27T13:00:00Z)"))
                continue
            }
            if field == "start_date" { self.startDate = date } else { self.endDate = date }
        }
        if let start = self.startDate, let end = self.endDate, start > end {
            problems.append(FieldProblem(
                field: "start_date", value: .string(Timestamp.format(start)),
                message: "must not be after end_date (\(Timestamp.format(end)))"))
        }

        self.skip = 0
        if let text = present(skip) {
            if let value = Int(text), value >= 0 {
                self.skip = value
            } else {
                problems.append(FieldProblem(field: "skip", value: Self.jsonValue(text), message: "must be an integer >= 0"))
            }
        }
        self.limit = Self.defaultLimit
        if let text = present(limit) {
            if let value = Int(text), (1...Self.maximumLimit).contains(value) {
                self.limit = value
            } else {
                problems.append(FieldProblem(
                    field: "limit", value: Self.jsonValue(text), message: "must be an integer from 1 to \(Self.maximumLimit)"))
            }
        }
        if !problems.isEmpty { throw InvalidRequest(problems) }
    }

    /// The same filter restricted to one owner's sessions.
    public func owned(by owner: String) -> SessionFilter {
        var filter = self
        filter.owner = owner
        return filter
    }

    /// Numbers are reported as numbers (`"value": 101`), anything else as the text given.
    private static func jsonValue(_ text: String) -> JSONValue {
        if let number = Int(text) { return .number(Double(number)) }
        return .string(text)
    }
}
