/// Checks calibration data against the model before any work: every sample must feed each
/// input with the declared element type and shape, hold no NaN or infinity, and there must be
/// at least one sample. Reads the data once, one sample at a time.
enum CalibrationData {
    /// Returns the number of samples, or the first problem, naming the sample and the input.
    static func validate(_ source: any SampleSource, model: Model, progress: ProgressReporter, share: ClosedRange<Double>) async throws -> Int {
        let inputs = model.graph.inputs
        var count = 0
        for try await sample in source.samples() {
            for name in sample.inputs.keys.sorted() where !inputs.contains(where: { $0.name == name }) {
                throw PassInputError.malformed("calibration sample '\(sample.name)' of \(source.description): '\(name)' is not an input of the model (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
            }
            for input in inputs {
                guard let tensor = sample.inputs[input.name] else {
                    if model.graph.initializers[input.name] != nil { continue }
                    throw PassInputError.malformed("calibration sample '\(sample.name)' of \(source.description): no data for input '\(input.name)'")
                }
                try check(tensor, against: input, sample: sample.name, source: source)
            }
            count += 1
            if let total = source.count, total > 0 {
                try await progress.report(share.lowerBound + (share.upperBound - share.lowerBound) * Double(count) / Double(total), "checking calibration sample \(count) of \(total)")
            }
        }
        guard count > 0 else {
            throw PassInputError.malformed("the calibration set is empty: \(source.description) holds no samples")
        }
        return count
    }

    private static func check(_ tensor: Tensor, against input: ValueInfo, sample: String, source: any SampleSource) throws(PassInputError) {
        let place = "calibration sample '\(sample)' of \(source.description), input '\(input.name)'"
        if let type = input.type {
            if type.dataType != .undefined, tensor.dataType != type.dataType {
                throw .malformed("\(place): \(tensor.dataType) data, the model takes \(type.dataType)")
            }
            if let dims = type.shape {
                let declared = "[" + dims.map(\.description).joined(separator: ", ") + "]"
                guard dims.count == tensor.rank else {
                    throw .malformed("\(place): shape \(tensor.shape), the model declares \(declared)")
                }
                for (axis, dim) in dims.enumerated() where dim.value != nil && dim.value != tensor.shape[axis] {
                    throw .malformed("\(place): shape \(tensor.shape), the model declares \(declared) (axis \(axis))")
                }
            }
        }
        if let position = firstNonFinite(tensor) {
            throw .malformed("\(place): element \(position.index) is \(position.value); calibration data must be finite")
        }
    }

    private static func firstNonFinite(_ tensor: Tensor) -> (index: Int, value: String)? {
        switch tensor.dataType {
        case .float:
            let values = UnsafeBufferPointer(start: tensor.pointer(Float.self), count: tensor.count)
            if let index = values.firstIndex(where: { !$0.isFinite }) { return (index, "\(values[index])") }
        case .double:
            let values = UnsafeBufferPointer(start: tensor.pointer(Double.self), count: tensor.count)
            if let index = values.firstIndex(where: { !$0.isFinite }) { return (index, "\(values[index])") }
        case .float16:
            let values = UnsafeBufferPointer(start: tensor.pointer(UInt16.self), count: tensor.count)
            if let index = values.firstIndex(where: { $0 & 0x7c00 == 0x7c00 }) { return (index, "\(HalfConversion.float(values[index]))") }
        default:
            break
        }
        return nil
    }
}
