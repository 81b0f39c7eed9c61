/// Helpers shared by kernels for reading their inputs: presence, integer lists held in tensors
/// (shapes, axes, pads), axis normalization and output-size checks. Every failure names the node.

/// The largest tensor a kernel will allocate from data-dependent sizes (a shape input, repeats,
/// pads). A 100-byte model asking for a terabyte fails with a clear error instead of crashing
/// the process.
let maximumOutputBytes = 1 << 36

extension [Tensor?] {
    /// Input `index`, or `invalidInput` when the node omitted a required input.
    func required(_ index: Int, _ node: String) throws(EngineError) -> Tensor {
        guard index < count, let tensor = self[index] else {
            throw .invalidInput(node: node, message: "input \(index) is required")
        }
        return tensor
    }

    /// Input `index` when present; optional inputs may be omitted or beyond the list.
    func optional(_ index: Int) -> Tensor? {
        index < count ? self[index] : nil
    }
}

extension Tensor {
    /// The elements of an int64 or int32 tensor as `Int`s (shape, axes, pads, repeats inputs).
    func integerValues(_ node: String, _ what: String) throws(EngineError) -> [Int] {
        switch dataType {
        case .int64: return UnsafeBufferPointer(start: pointer(Int64.self), count: count).map { Int($0) }
        case .int32: return UnsafeBufferPointer(start: pointer(Int32.self), count: count).map { Int($0) }
        default: throw .invalidInput(node: node, message: "\(what) must be int64 or int32, got \(dataType)")
        }
    }

    /// The single value of a one-element int64/int32 tensor.
    func integerScalar(_ node: String, _ what: String) throws(EngineError) -> Int {
        let values = try integerValues(node, what)
        guard values.count == 1 else {
            throw .invalidInput(node: node, message: "\(what) must hold one value, got shape \(shape)")
        }
        return values[0]
    }

    /// Whether this tensor is a one-element boolean/numeric flag that is set (Dropout's
    /// training_mode).
    func isTrue(_ node: String, _ what: String) throws(EngineError) -> Bool {
        guard count == 1, let size = dataType.byteSize else {
            throw .invalidInput(node: node, message: "\(what) must hold one value, got shape \(shape)")
        }
        let raw = UnsafeRawBufferPointer(start: storage.bytes, count: size)
        return raw.contains { $0 != 0 }
    }
}

/// Where an axis came from, so an out-of-range value is reported as the attribute or the input
/// it was read from.
enum AxisSource {
    case attribute(String)
    case input(String)

    func error(_ node: String, _ message: String) -> EngineError {
        switch self {
        case .attribute(let name): .invalidAttribute(node: node, attribute: name, message: message)
        case .input(let name): .invalidInput(node: node, message: "\(name): \(message)")
        }
    }
}

/// `axis` in [-rank, rank) mapped to [0, rank).
func normalizedAxis(_ axis: Int, rank: Int, node: String, source: AxisSource = .attribute("axis")) throws(EngineError) -> Int {
    guard axis >= -rank && axis < rank else {
        throw source.error(node, "axis \(axis) is out of range for rank \(rank)")
    }
    return axis < 0 ? axis + rank : axis
}

/// Distinct axes in [0, rank), in the given order, from values in [-rank, rank).
func normalizedAxes(_ axes: [Int], rank: Int, node: String, source: AxisSource) throws(EngineError) -> [Int] {
    var seen = Set<Int>()
    var result: [Int] = []
    for axis in axes {
        let normalized = try normalizedAxis(axis, rank: rank, node: node, source: source)
        guard seen.insert(normalized).inserted else {
            throw source.error(node, "axis \(axis) appears twice")
        }
        result.append(normalized)
    }
    return result
}

/// Checks a computed output shape: non-negative dims and a total size the engine will allocate.
func checkedOutputShape(_ shape: [Int], _ dataType: DataType, node: String) throws(EngineError) -> [Int] {
    var count = 1
    for dim in shape {
        guard dim >= 0 else {
            throw .invalidInput(node: node, message: "output shape \(shape) has a negative dimension")
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: dim)
        guard !overflow else {
            throw .invalidInput(node: node, message: "output shape \(shape) is too large")
        }
        count = product
    }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: dataType.byteSize ?? 1)
    guard !overflow && bytes <= maximumOutputBytes else {
        throw .invalidInput(node: node, message: "output shape \(shape) of \(dataType) needs more than \(maximumOutputBytes >> 30) GiB")
    }
    return shape
}

/// Product of `dims`; callers pass dims of existing tensors, whose product is known to fit.
func elementCount(_ dims: some Collection<Int>) -> Int {
    dims.reduce(1, *)
}
