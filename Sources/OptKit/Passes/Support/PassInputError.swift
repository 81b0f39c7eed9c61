/// Input a pass cannot work with, found before it changes anything: calibration data that does
/// not fit the model, an exclusion naming a node the model does not have, a model form the pass
/// cannot rewrite without making it invalid. The message names the file, input or node.
public struct PassInputError: UserFacingError, Equatable {
    public let kind: ErrorKind
    public let message: String

    public init(kind: ErrorKind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Data that cannot be used (wrong shape or type, NaN, empty, unreadable contents).
    static func malformed(_ message: String) -> PassInputError {
        PassInputError(kind: .malformedInput, message: message)
    }

    /// A request the model contradicts (an excluded node it lacks, an op form it cannot take).
    static func invalid(_ message: String) -> PassInputError {
        PassInputError(kind: .validation, message: message)
    }
}
