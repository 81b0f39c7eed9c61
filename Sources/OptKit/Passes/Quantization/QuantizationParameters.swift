/// Parameters shared by the two int8 passes, and the checks both run before any work.
enum QuantizationParameters {
    static func format(default value: String) -> ParameterDescriptor {
        ParameterDescriptor(
            name: "format", kind: .choice(["qdq", "qoperator"]), defaultValue: .string(value),
            summary: "qdq: QuantizeLinear/DequantizeLinear around float ops (any runtime fuses them); qoperator: integer ops (QLinearConv/QLinearMatMul, MatMulInteger/ConvInteger)")
    }

    static let perChannel = ParameterDescriptor(
        name: "per_channel", kind: .boolean, defaultValue: .bool(true),
        summary: "one weight scale per output channel (raises the opset to 13 for QDQ when needed); false: one per tensor, after cross-layer equalization of consecutive layers")

    static let opTypes = ParameterDescriptor(
        name: "op_types", kind: .strings, defaultValue: .array(QuantTargets.supportedOpTypes.map(JSONValue.string)),
        summary: "op types to quantize (Conv, Gemm, MatMul)")

    static let excludeNodes = ParameterDescriptor(
        name: "exclude_nodes", kind: .strings, defaultValue: .array([]),
        summary: "node names to keep in float (added to the run's excluded nodes); an unknown name is an error")

    static let excludeOpTypes = ParameterDescriptor(
        name: "exclude_op_types", kind: .strings, defaultValue: .array([]),
        summary: "op types to keep in float (added to the run's excluded op types)")

    /// The op types asked for, each checked against what the passes can quantize.
    static func opTypes(_ values: ParameterValues) -> Set<String> {
        Set(values.strings("op_types"))
    }

    /// Refuses op_types the passes do not know, naming them (a typo would quantize nothing).
    static func checkOpTypes(_ opTypes: Set<String>) throws(PassInputError) {
        let unknown = opTypes.subtracting(QuantTargets.supportedOpTypes).sorted()
        guard unknown.isEmpty else {
            throw .invalid("op_types: \(unknown.joined(separator: ", ")) cannot be quantized (supported: \(QuantTargets.supportedOpTypes.joined(separator: ", ")))")
        }
    }

    static func reportDetails(
        targets: [QuantTarget], skipped: [SkippedNode], preparation: QuantizationPreparation.Outcome, opsetNotes: [String]
    ) -> [String: JSONValue] {
        [
            "quantized_nodes": .array(targets.map { .object(["node": .string($0.name), "op_type": .string($0.opType)]) }),
            "skipped_nodes": .array(skipped.map(\.json)),
            "constants_promoted": .number(Double(preparation.constantsPromoted)),
            "batch_norm_folded": .array(preparation.batchNormsFolded.map(JSONValue.string)),
            "equalized_layers": .array(preparation.equalized.map(JSONValue.string)),
            "opset": .array(opsetNotes.map(JSONValue.string)),
        ]
    }

    /// "Conv x4, Gemm x1"
    static func histogram(_ targets: [QuantTarget]) -> String {
        var counts: [String: Int] = [:]
        for target in targets { counts[target.opType, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
    }
}
