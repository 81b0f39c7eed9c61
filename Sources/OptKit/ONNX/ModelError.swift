import Foundation

/// Why a model (or a test-data tensor file) could not be read or written. Every case names the
/// file, tensor, node or value concerned, so the CLI can print it as one line and a caller can
/// map it to `invalid_model` / exit code 65 without parsing text.
public enum ModelError: Error, Equatable, Sendable {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, a folder, an I/O error).
    case unreadable(path: String, reason: String)
    /// The data ends in the middle of a protobuf field: a partly copied or downloaded file.
    case truncated(source: String)
    /// The data is not an ONNX protobuf at all.
    case notONNX(source: String, reason: String)
    /// A well-formed protobuf that breaks an ONNX rule the engine relies on (no graph, an
    /// opset import without a version, …).
    case invalidModel(reason: String)
    /// A tensor whose dims or data are wrong: negative or overflowing dims, data shorter or
    /// longer than the dims say, an unknown element type.
    case invalidTensor(name: String, reason: String)
    /// An external-data reference that cannot be followed: absolute or escaping path, missing
    /// file, offset/length outside the file.
    case externalData(tensor: String, location: String, reason: String)
    /// The graph has a cycle through this node.
    case cyclicGraph(node: String)
    /// Two producers (two nodes, or a node and a graph input or initializer) of one value.
    case duplicateOutput(value: String, node: String)
    /// A node attribute that cannot be written: an opaque attribute (a subgraph, say) that a
    /// pass created without the original bytes to write back.
    case unencodableAttribute(node: String, attribute: String)
    /// Writing the file failed; the destination is left as it was.
    case writeFailed(path: String, reason: String)

    /// How callers classify the error (docs/contracts.md): a missing file is not found
    /// (exit 4), malformed model data is malformed input (exit 65, error_type `invalid_model`),
    /// a failed read or write is an I/O failure (exit 1).
    public var kind: ErrorKind {
        switch self {
        case .fileNotFound: .notFound
        case .unreadable, .writeFailed: .io
        case .truncated, .notONNX, .invalidModel, .invalidTensor, .externalData, .cyclicGraph,
             .duplicateOutput, .unencodableAttribute: .malformedInput
        }
    }

    /// One line for a terminal or a log.
    public var message: String {
        switch self {
        case let .fileNotFound(path):
            "model file not found: \(path)"
        case let .unreadable(path, reason):
            "cannot read \(path): \(reason)"
        case let .truncated(source):
            "\(source) is truncated: the data ends in the middle of a field"
        case let .notONNX(source, reason):
            "\(source) is not an ONNX model: \(reason)"
        case let .invalidModel(reason):
            "invalid ONNX model: \(reason)"
        case let .invalidTensor(name, reason):
            "tensor '\(name)': \(reason)"
        case let .externalData(tensor, location, reason):
            "tensor '\(tensor)': external data '\(location)': \(reason)"
        case let .cyclicGraph(node):
            "the graph has a cycle through node '\(node)'"
        case let .duplicateOutput(value, node):
            "value '\(value)' is produced more than once (again by '\(node)')"
        case let .unencodableAttribute(node, attribute):
            "node '\(node)': attribute '\(attribute)' has no original bytes to write back"
        case let .writeFailed(path, reason):
            "cannot write \(path): \(reason)"
        }
    }
}

extension ModelError: LocalizedError, CustomStringConvertible {
    public var errorDescription: String? { message }
    public var description: String { message }
}
