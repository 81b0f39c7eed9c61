/// One dimension of a value's static shape. Symbolic dims (`batch`, `N`) stay symbolic through
/// inference and passes, so a dynamic batch dimension is never frozen to a number.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)
    case unknown

    public var value: Int? {
        if case .fixed(let v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case .fixed(let v): String(v)
        case .symbolic(let s): s
        case .unknown: "?"
        }
    }
}

/// Static type of a value: element type and shape; `shape == nil` means the rank is unknown.
public struct TensorType: Hashable, Sendable {
    public var dataType: DataType
    public var shape: [Dim]?

    public init(dataType: DataType, shape: [Dim]?) {
        self.dataType = dataType
        self.shape = shape
    }

    /// The concrete shape when every dim is a number.
    public var concreteShape: [Int]? {
        guard let shape else { return nil }
        var result: [Int] = []
        for dim in shape {
            guard let v = dim.value else { return nil }
            result.append(v)
        }
        return result
    }
}
