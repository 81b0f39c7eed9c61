import Foundation

/// Why a run failed, as the session records it (contracts.md's error types) with a message that
/// names the file, node, op or field concerned.
enum RunFailure {
    /// The session's error type and message, and the error's kind (which decides the CLI's
    /// exit code: a missing calibration folder exits 4, bad calibration data 65).
    static func classify(_ error: any Error) -> (type: SessionErrorType, message: String, kind: ErrorKind) {
        switch error {
        case let error as EngineError:
            if case let .unsupportedOp(node, opType, domain) = error {
                let op = domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain).\(opType)"
                return (.unsupportedOp, "the engine cannot run op \(op) (node '\(node)')", .internal)
            }
            return (.invalidModel, error.description, .malformedInput)
        case let error as ModelError:
            return (.invalidModel, error.message, .malformedInput)
        case let error as OptimizedModelUnrunnable:
            return (.unsupportedOp, error.message, .internal)
        case let error as any UserFacingError:
            let message = error.fields.isEmpty
                ? error.message
                : error.fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            switch error.kind {
            case .validation, .malformedInput, .notFound, .conflict, .preconditionFailed: return (.invalidInput, message, error.kind)
            default: return (.internal, message, error.kind)
            }
        default:
            return (.internal, "\(error)", .internal)
        }
    }
}

/// The optimized model uses an op our engine cannot execute, so its speed and fidelity cannot
/// be measured: the run fails rather than report figures it did not measure.
struct OptimizedModelUnrunnable: UserFacingError {
    let cause: EngineError

    var kind: ErrorKind { .internal }
    var message: String {
        if case let .unsupportedOp(node, opType, _) = cause {
            return "the optimized model uses op \(opType) (node '\(node)'), which this build's engine cannot run, so its speed and accuracy cannot be measured"
        }
        return "the optimized model cannot be run on the engine: \(cause.description)"
    }
}
