import Foundation

/// An ONNX model: the graph the engine runs and the passes rewrite, plus the model-level
/// fields of the file. A model loaded from a file remembers what it read, and a save writes
/// back unchanged whatever the IR does not hold or no pass changed (see docs/onnx-io.md).
public struct Model: Sendable {
    public var graph: Graph
    /// Operator set version per domain; "" is the default ONNX domain (a file's "ai.onnx" is
    /// read as "").
    public var opsetImports: [String: Int]
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int
    public var docString: String
    /// The file's metadata_props.
    public var metadata: [String: String]
    /// The folder external data was read from (the model file's folder), if any.
    public let baseDirectory: URL?
    /// Size in bytes of each external data file the model read, by location.
    public let externalDataFiles: [String: Int]
    /// What the loader read, for a faithful save; nil for a model built in memory.
    var source: ModelSource?

    /// A model built in memory. IR version 8 and opset 17 are what onnxruntime releases of
    /// the last years all load.
    public init(
        graph: Graph, opsetImports: [String: Int] = ["": 17], irVersion: Int = 8,
        producerName: String = "optctl", producerVersion: String = OptKitVersion.string,
        domain: String = "", modelVersion: Int = 0, docString: String = "", metadata: [String: String] = [:]
    ) {
        self.graph = graph
        self.opsetImports = opsetImports
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.metadata = metadata
        self.baseDirectory = nil
        self.externalDataFiles = [:]
        self.source = nil
    }

    /// Reads a model file; external data is looked up relative to the file's folder.
    public static func load(contentsOf url: URL) throws(ModelError) -> Model {
        let data = try readFile(url)
        return try Model(serializedData: data, baseDirectory: url.deletingLastPathComponent(), sourceName: url.path)
    }

    /// Decodes a serialized `ModelProto`. `baseDirectory` is where external data lives; without
    /// one, a model with external data is an error.
    public init(serializedData data: Data, baseDirectory: URL? = nil) throws(ModelError) {
        try self.init(serializedData: data, baseDirectory: baseDirectory, sourceName: "the model data")
    }

    init(serializedData data: Data, baseDirectory: URL?, sourceName: String) throws(ModelError) {
        let reader = ExternalDataReader(baseDirectory: baseDirectory)
        let (fields, source) = try ModelDecoder.decode(data, sourceName: sourceName, externalData: reader)
        self.init(decoded: fields, source: source, baseDirectory: baseDirectory, externalDataFiles: reader.fileSizes)
    }

    init(decoded: ModelDecoder.Fields, source: ModelSource, baseDirectory: URL?, externalDataFiles: [String: Int]) {
        self.graph = decoded.graph
        self.opsetImports = decoded.opsetImports
        self.irVersion = decoded.irVersion
        self.producerName = decoded.producerName
        self.producerVersion = decoded.producerVersion
        self.domain = decoded.domain
        self.modelVersion = decoded.modelVersion
        self.docString = decoded.docString
        self.metadata = decoded.metadata
        self.baseDirectory = baseDirectory
        self.externalDataFiles = externalDataFiles
        self.source = source
    }

    /// The default-domain opset version (what most ops' semantics depend on).
    public var opset: Int { opsetImports[""] ?? 0 }

    /// The model as one `ModelProto`, every tensor inline. Fails past protobuf's 2 GiB limit;
    /// `write(to:externalData:)` handles larger models.
    public func serializedData() throws(ModelError) -> Data {
        let encoded = try ModelEncoder.encode(self, policy: nil)
        return try ModelEncoder.serialize(encoded.proto, destination: "the model data")
    }

    /// Writes the model to `url` through a temporary file and a rename, so the destination is
    /// either the old file or the complete new one. With external data, the data file is
    /// written the same way, before the model that refers to it.
    public func write(to url: URL, externalData: ExternalDataPolicy = .automatic) throws(ModelError) {
        try ModelWriter.write(self, to: url, policy: externalData)
    }

    private static func readFile(_ url: URL) throws(ModelError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: url.path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: url.path, reason: "it is a folder") }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// Where `write(to:externalData:)` puts initializer data.
public enum ExternalDataPolicy: Sendable, Equatable {
    /// Every tensor inside the model file (fails past protobuf's 2 GiB limit).
    case inline
    /// Initializers of at least `threshold` bytes go to one data file beside the model, named
    /// `fileName` or, when nil, the model's file name plus ".data".
    case file(fileName: String? = nil, threshold: Int = 1024)
    /// A data file when the loaded model used external data or the weights would not fit in
    /// one protobuf; inline otherwise.
    case automatic
}
