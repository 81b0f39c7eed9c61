/// A constant the engine cannot hold as a `Tensor`: strings, 4-bit and 2-bit types, element
/// types newer than `DataType`, sparse initializers. The loader keeps its original protobuf
/// (external data already read in), so passes can see that the value exists and what it is,
/// and a save writes it back unchanged. The engine reports ops reading it as unsupported.
public struct OpaqueTensor: Sendable {
    public let name: String
    /// ONNX `TensorProto.DataType` number; may be newer than `DataType` knows.
    public let dataTypeNumber: Int32
    /// Dense shape (for a sparse tensor, the dense shape it stands for).
    public let shape: [Int]
    /// Why the engine cannot compute with it, for messages and `inspect`.
    public let reason: String
    let payload: Payload

    enum Payload: Sendable {
        case dense(Onnx_TensorProto)
        case sparse(Onnx_SparseTensorProto)
    }

    init(name: String, dataTypeNumber: Int32, shape: [Int], reason: String, payload: Payload) {
        self.name = name
        self.dataTypeNumber = dataTypeNumber
        self.shape = shape
        self.reason = reason
        self.payload = payload
    }

    /// The element type when `DataType` knows it.
    public var dataType: DataType? { DataType(rawValue: dataTypeNumber) }

    /// Number of elements of the dense shape.
    public var count: Int { shape.reduce(1, *) }

    /// The static type inference and validation see for this value.
    var tensorType: TensorType? {
        dataType.map { TensorType(dataType: $0, shape: shape.map(Dim.fixed)) }
    }
}
