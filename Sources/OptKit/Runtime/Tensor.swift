import Foundation

/// A dense, 64-byte aligned block of memory. Reference type so that a reshape, an initializer
/// shared by two graphs or a tensor handed between kernels costs no copy.
public final class TensorStorage: @unchecked Sendable {
    public let bytes: UnsafeMutableRawPointer
    public let byteCount: Int

    /// Zero-filled storage of `byteCount` bytes (at least one byte, so the pointer is valid).
    public init(byteCount: Int) {
        self.byteCount = byteCount
        self.bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    /// Storage whose contents are left undefined, for kernel outputs that write every byte
    /// (zero-filling megabytes per run would cost as much as a small layer).
    init(uninitializedByteCount byteCount: Int) {
        self.byteCount = byteCount
        self.bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// Set while a `BufferPool` accounts for this storage as working memory.
    var isPooled = false

    deinit { bytes.deallocate() }
}

/// A tensor value: element type, shape and storage. Strings and sub-byte types are not held
/// here; the ONNX layer keeps those as their original protobuf.
public struct Tensor: @unchecked Sendable {
    public let dataType: DataType
    public var shape: [Int]
    public let storage: TensorStorage

    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var byteCount: Int { count * (dataType.byteSize ?? 0) }

    /// A zero-filled tensor.
    public init(dataType: DataType, shape: [Int]) {
        precondition(dataType.byteSize != nil, "Tensor cannot hold \(dataType) elements")
        self.dataType = dataType
        self.shape = shape
        self.storage = TensorStorage(byteCount: shape.reduce(1, *) * dataType.byteSize!)
    }

    /// Wraps existing storage; `storage` must hold at least `count` elements.
    public init(dataType: DataType, shape: [Int], storage: TensorStorage) {
        precondition(storage.byteCount >= shape.reduce(1, *) * (dataType.byteSize ?? 0))
        self.dataType = dataType
        self.shape = shape
        self.storage = storage
    }

    public init(_ values: [Float], shape: [Int]) {
        self.init(elements: values, dataType: .float, shape: shape)
    }

    public init(_ values: [Int64], shape: [Int]) {
        self.init(elements: values, dataType: .int64, shape: shape)
    }

    /// A tensor holding `elements`, whose Swift type must match `dataType`'s width.
    public init<T>(elements: [T], dataType: DataType, shape: [Int]) {
        precondition(MemoryLayout<T>.stride == dataType.byteSize, "element type does not match \(dataType)")
        precondition(elements.count == shape.reduce(1, *), "\(elements.count) elements for shape \(shape)")
        self.init(dataType: dataType, shape: shape)
        elements.withUnsafeBytes { storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Typed pointer to the first element. The caller is responsible for `T` matching `dataType`.
    public func pointer<T>(_: T.Type = T.self) -> UnsafeMutablePointer<T> {
        storage.bytes.assumingMemoryBound(to: T.self)
    }

    /// Copies the elements out; `T` must match `dataType`'s width.
    public func elements<T>(_: T.Type = T.self) -> [T] {
        precondition(MemoryLayout<T>.stride == dataType.byteSize)
        return Array(UnsafeBufferPointer(start: pointer(T.self), count: count))
    }

    /// The same storage seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count)
        return Tensor(dataType: dataType, shape: newShape, storage: storage)
    }
}
