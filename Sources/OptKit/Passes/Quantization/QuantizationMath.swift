import Foundation

/// How one float tensor maps to 8-bit integers: x ≈ (q - zeroPoint) * scale.
struct QuantParameters: Equatable {
    var scale: Float
    var zeroPoint: Int32
    /// `.uint8` (asymmetric activations, DynamicQuantizeLinear's form) or `.int8`.
    var dataType: DataType

    /// Parameters for an activation observed in `[low, high]`. The range always includes 0, so
    /// that zero padding and ReLU's zero are exact. Asymmetric: uint8 over the whole range;
    /// symmetric: int8 with zero point 0 over ±max(|low|, |high|).
    static func activation(low: Float, high: Float, symmetric: Bool) -> QuantParameters {
        let low = min(low, 0)
        let high = max(high, 0)
        if symmetric {
            let bound = max(-low, high)
            return QuantParameters(scale: bound > 0 ? bound / 127 : 1, zeroPoint: 0, dataType: .int8)
        }
        guard high > low else { return QuantParameters(scale: 1, zeroPoint: 0, dataType: .uint8) }
        let scale = (high - low) / 255
        let zeroPoint = Int32(max(0, min(255, (-low / scale).rounded())))
        return QuantParameters(scale: scale, zeroPoint: zeroPoint, dataType: .uint8)
    }

    /// The zero point as a one-element tensor of the quantized type (a scalar).
    var zeroPointTensor: Tensor {
        dataType == .uint8
            ? Tensor(elements: [UInt8(zeroPoint)], dataType: .uint8, shape: [])
            : Tensor(elements: [Int8(zeroPoint)], dataType: .int8, shape: [])
    }

    var scaleTensor: Tensor { Tensor([scale], shape: []) }
}

/// Symmetric int8 weights: q = round(w / scale) in [-127, 127] with zero point 0, one scale per
/// output channel (`axis`) or one for the whole tensor. -128 is left unused so that negating a
/// weight never overflows, as onnxruntime and the integer dot-product instructions expect.
struct QuantizedWeight {
    var values: Tensor
    var scales: [Float]
    /// The channel axis of a per-channel weight; nil for per-tensor.
    var axis: Int?

    init(_ weight: Tensor, axis: Int?) {
        let floats = weight.floats
        let channels = axis.map { weight.shape[$0] } ?? 1
        let inner = axis.map { weight.shape[($0 + 1)...].reduce(1, *) } ?? floats.count
        let outer = axis.map { weight.shape[..<$0].reduce(1, *) } ?? 1
        var maxima = [Float](repeating: 0, count: channels)
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                for i in 0..<inner { maxima[c] = max(maxima[c], abs(floats[base + i])) }
            }
        }
        scales = maxima.map { $0 > 0 ? $0 / 127 : 1 }
        var quantized = [Int8](repeating: 0, count: floats.count)
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                for i in 0..<inner {
                    quantized[base + i] = Int8(max(-127, min(127, (floats[base + i] / scales[c]).rounded())))
                }
            }
        }
        values = Tensor(elements: quantized, dataType: .int8, shape: weight.shape)
        self.axis = axis
    }

    /// The scales as an initializer: a scalar for per-tensor, a vector for per-channel.
    var scaleTensor: Tensor {
        axis == nil ? Tensor([scales[0]], shape: []) : Tensor(scales, shape: [scales.count])
    }

    /// Weights back in float, for error estimates.
    func dequantized() -> [Float] {
        let q = values.elements(Int8.self)
        guard let axis else { return q.map { Float($0) * scales[0] } }
        let channels = values.shape[axis]
        let inner = values.shape[(axis + 1)...].reduce(1, *)
        return q.indices.map { Float(q[$0]) * scales[($0 / inner) % channels] }
    }
}

enum BiasQuantization {
    /// int32 bias with scale inputScale * weightScale[c] (what QLinearConv and a fused integer
    /// kernel add to the accumulator); nil when a value would not fit in int32 (a tiny scale).
    static func quantize(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> (values: Tensor, scales: [Float])? {
        var values = [Int32](repeating: 0, count: bias.count)
        var scales = [Float](repeating: 0, count: bias.count)
        for c in bias.indices {
            let scale = inputScale * weightScales[weightScales.count == 1 ? 0 : c]
            guard scale > 0, scale.isFinite else { return nil }
            let q = (Double(bias[c]) / Double(scale)).rounded()
            guard abs(q) < Double(Int32.max) else { return nil }
            values[c] = Int32(q)
            scales[c] = scale
        }
        return (Tensor(elements: values, dataType: .int32, shape: [bias.count]), scales)
    }
}
