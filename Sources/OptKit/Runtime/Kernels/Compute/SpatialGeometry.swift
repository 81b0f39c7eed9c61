/// The `auto_pad`, `pads`, `strides`, `dilations` and `kernel_shape` attributes shared by
/// Conv, ConvTranspose and the pooling ops, read once at prepare time.
struct SpatialAttributes {
    enum AutoPad: String {
        case notSet = "NOTSET"
        case sameUpper = "SAME_UPPER"
        case sameLower = "SAME_LOWER"
        case valid = "VALID"
    }

    let autoPad: AutoPad
    let kernelShape: [Int]?
    let strides: [Int]?
    let dilations: [Int]?
    private(set) var pads: [Int]?

    init(_ attributes: ComputeAttributes) throws(EngineError) {
        let raw = try attributes.string("auto_pad", default: "NOTSET")
        // Some exporters write an empty string for the default.
        guard let autoPad = AutoPad(rawValue: raw.isEmpty ? "NOTSET" : raw) else {
            throw attributes.invalid("auto_pad", "'\(raw)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
        self.autoPad = autoPad
        kernelShape = try attributes.ints("kernel_shape")
        strides = try attributes.ints("strides")
        dilations = try attributes.ints("dilations")
        pads = try attributes.ints("pads")
        for (name, values) in [("kernel_shape", kernelShape), ("strides", strides), ("dilations", dilations)] {
            if let values, values.contains(where: { $0 < 1 }) {
                throw attributes.invalid(name, "values must be positive, got \(values)")
            }
        }
        if let pads, pads.contains(where: { $0 < 0 }) {
            throw attributes.invalid("pads", "values must not be negative, got \(pads)")
        }
        if let pads, pads.count % 2 != 0 {
            throw attributes.invalid("pads", "needs a begin and an end per axis, got \(pads.count) values")
        }
    }

    /// The same attributes without padding, for an input that carries its padding around it.
    var unpadded: SpatialAttributes {
        var copy = self
        copy.pads = nil
        return copy
    }

    /// The number of spatial axes the attributes imply, when any of them is present.
    var declaredRank: Int? {
        kernelShape?.count ?? strides?.count ?? dilations?.count ?? pads.map { $0.count / 2 }
    }

    /// Resolved sizes for an input whose spatial sizes are `input` and a kernel of `kernel`.
    /// `ceilMode` is the pooling ops' rounding of the output size.
    func resolve(
        input: [Int], kernel: [Int], ceilMode: Bool = false, _ attributes: ComputeAttributes
    ) throws(EngineError) -> SpatialGeometry {
        let rank = input.count
        for (name, values) in [("strides", strides), ("dilations", dilations)] {
            if let values, values.count != rank {
                throw attributes.invalid(name, "has \(values.count) values for \(rank) spatial axes")
            }
        }
        if let pads, pads.count != 2 * rank {
            throw attributes.invalid("pads", "has \(pads.count) values for \(rank) spatial axes")
        }
        var geometry = SpatialGeometry(
            input: input, kernel: kernel,
            strides: strides ?? [Int](repeating: 1, count: rank),
            dilations: dilations ?? [Int](repeating: 1, count: rank),
            padBegin: [Int](repeating: 0, count: rank), padEnd: [Int](repeating: 0, count: rank),
            output: [Int](repeating: 0, count: rank))
        for axis in 0..<rank {
            let stride = geometry.strides[axis]
            let extent = (kernel[axis] - 1) * geometry.dilations[axis] + 1
            let size = input[axis]
            var out: Int
            switch autoPad {
            case .notSet:
                let begin = pads?[axis] ?? 0, end = pads?[axis + rank] ?? 0
                geometry.padBegin[axis] = begin
                geometry.padEnd[axis] = end
                let span = size + begin + end - extent
                guard span >= 0 else {
                    throw attributes.input("spatial axis \(axis): input of \(size) with pads \(begin)+\(end) is smaller than the kernel extent \(extent)")
                }
                out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
                // A window that would start in the end padding is dropped.
                if ceilMode, (out - 1) * stride >= size + begin { out -= 1 }
            case .valid:
                let span = size - extent
                guard span >= 0 else {
                    throw attributes.input("spatial axis \(axis): input of \(size) is smaller than the kernel extent \(extent)")
                }
                out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
            case .sameUpper, .sameLower:
                out = (size + stride - 1) / stride
                let total = max(0, (out - 1) * stride + extent - size)
                let small = total / 2, large = total - small
                geometry.padBegin[axis] = autoPad == .sameUpper ? small : large
                geometry.padEnd[axis] = autoPad == .sameUpper ? large : small
            }
            geometry.output[axis] = out
        }
        return geometry
    }
}

/// Per spatial axis: sizes, strides, dilations, padding and the output size.
struct SpatialGeometry {
    var input: [Int]
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padBegin: [Int]
    var padEnd: [Int]
    var output: [Int]

    /// The same geometry seen as 2-D (a 1-D one gets a leading axis of size 1), so one code
    /// path serves Conv1d and Conv2d.
    var planar: SpatialGeometry {
        guard input.count == 1 else { return self }
        return SpatialGeometry(
            input: [1] + input, kernel: [1] + kernel, strides: [1] + strides, dilations: [1] + dilations,
            padBegin: [0] + padBegin, padEnd: [0] + padEnd, output: [1] + output)
    }
}
