/// Model and engine errors reach users through the CLI and the server like every other
/// domain error; their `kind` decides the exit code and HTTP status.
extension ModelError: UserFacingError {}

extension EngineError: UserFacingError {
    /// A model the engine cannot run, or inputs that do not fit it: input data problems.
    public var kind: ErrorKind { .malformedInput }
    public var message: String { description }
}
