/// The current optimization criteria. A fresh store answers with `OptimizationCriteria.defaults`
/// at version 1 (never "not found").
public protocol CriteriaStore: Sendable {
    func current() async throws -> StoredCriteria
    /// Replaces the criteria and increments the version, in one transaction. With
    /// `expectedVersion`, the write happens only if the stored version still equals it;
    /// otherwise `StaleVersion` is thrown and nothing is written. Validation is the caller's job.
    func replace(with criteria: OptimizationCriteria, expectedVersion: Int?) async throws -> StoredCriteria
}

/// A conditional write based on a version that is no longer current.
public struct StaleVersion: UserFacingError, Equatable {
    public let expected: Int
    public let current: Int
    /// True when the version came from an If-Match header: HTTP 412 rather than 409.
    public var fromPrecondition = false

    public init(expected: Int, current: Int, fromPrecondition: Bool = false) {
        self.expected = expected
        self.current = current
        self.fromPrecondition = fromPrecondition
    }

    public var kind: ErrorKind { fromPrecondition ? .preconditionFailed : .conflict }
    public var message: String {
        "the criteria were changed by someone else: you sent version \(expected), the current version is \(current); read them again and reapply your change"
    }
    public var fields: [FieldProblem] {
        [FieldProblem(field: "version", value: .number(Double(expected)), message: "is stale; current version is \(current)")]
    }
}
