/// What `optctl inspect MODEL [--json]` shows: the model's interface, size and ops, and what
/// the engine cannot run. Field names are the JSON keys (snake_case), stable for scripts.
public struct ModelReport: Codable, Sendable, Equatable {
    public var path: String
    /// The model file plus every external data file it reads.
    public var fileBytes: Int
    public var modelFileBytes: Int
    public var externalDataFiles: [ExternalDataFile]
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var opsetImports: [OpsetImport]
    public var metadata: [String: String]
    public var inputs: [ValueSummary]
    public var outputs: [ValueSummary]
    public var nodeCount: Int
    /// Op types by count (most frequent first), each marked runnable or not.
    public var opHistogram: [OpCount]
    /// Elements in initializers and Constant node tensors.
    public var parameterCount: Int
    public var parameterBytes: Int
    public var initializerCount: Int
    /// Ops the engine has no kernel for, with the nodes using them.
    public var unsupportedOps: [UnsupportedOp]
    /// Nodes holding subgraphs (If, Loop, Scan): not runnable by the engine.
    public var subgraphOps: [SubgraphNode]
    /// Whether the engine can run every node.
    public var runnable: Bool
    /// Structural, type and shape problems found by validation.
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case path
        case fileBytes = "file_bytes"
        case modelFileBytes = "model_file_bytes"
        case externalDataFiles = "external_data_files"
        case irVersion = "ir_version"
        case producerName = "producer_name"
        case producerVersion = "producer_version"
        case opsetImports = "opset_imports"
        case metadata
        case inputs
        case outputs
        case nodeCount = "node_count"
        case opHistogram = "op_histogram"
        case parameterCount = "parameter_count"
        case parameterBytes = "parameter_bytes"
        case initializerCount = "initializer_count"
        case unsupportedOps = "unsupported_ops"
        case subgraphOps = "subgraph_ops"
        case runnable
        case problems
    }

    public struct ExternalDataFile: Codable, Sendable, Equatable {
        public var location: String
        public var bytes: Int
    }

    public struct OpsetImport: Codable, Sendable, Equatable {
        /// "ai.onnx" for the default domain.
        public var domain: String
        public var version: Int
    }

    public struct ValueSummary: Codable, Sendable, Equatable {
        public var name: String
        /// ONNX element type name ("float", "int64", …); nil when not declared.
        public var dtype: String?
        /// nil when the rank is unknown.
        public var shape: [DimSummary]?
    }

    /// A dim in JSON: a number, a symbol's name, or null when unknown.
    public enum DimSummary: Codable, Sendable, Equatable, CustomStringConvertible {
        case fixed(Int)
        case symbolic(String)
        case unknown

        init(_ dim: Dim) {
            switch dim {
            case .fixed(let v): self = .fixed(v)
            case .symbolic(let s): self = .symbolic(s)
            case .unknown: self = .unknown
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .unknown
            } else if let v = try? container.decode(Int.self) {
                self = .fixed(v)
            } else {
                self = .symbolic(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .fixed(let v): try container.encode(v)
            case .symbolic(let s): try container.encode(s)
            case .unknown: try container.encodeNil()
            }
        }

        public var description: String {
            switch self {
            case .fixed(let v): String(v)
            case .symbolic(let s): s
            case .unknown: "?"
            }
        }
    }

    public struct OpCount: Codable, Sendable, Equatable {
        public var opType: String
        public var domain: String
        public var count: Int
        public var runnable: Bool

        enum CodingKeys: String, CodingKey {
            case opType = "op_type"
            case domain, count, runnable
        }
    }

    public struct UnsupportedOp: Codable, Sendable, Equatable {
        public var opType: String
        public var domain: String
        public var count: Int
        /// The first few nodes using it.
        public var nodes: [String]

        enum CodingKeys: String, CodingKey {
            case opType = "op_type"
            case domain, count, nodes
        }
    }

    public struct SubgraphNode: Codable, Sendable, Equatable {
        public var node: String
        public var opType: String

        enum CodingKeys: String, CodingKey {
            case node
            case opType = "op_type"
        }
    }
}
