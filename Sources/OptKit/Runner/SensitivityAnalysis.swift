import Foundation

/// How much accuracy each quantized layer costs on its own: the model is rebuilt with only that
/// layer quantized and judged on a few validation samples. The fallback keeps the most
/// damaging layers in float32 first.
enum SensitivityAnalysis {
    struct Layer: Encodable, Sendable {
        var node: String
        /// 100 - accuracy retention with only this layer quantized.
        var retentionLossPercent: Double

        enum CodingKeys: String, CodingKey {
            case node
            case retentionLossPercent = "retention_loss_percent"
        }
    }

    struct Ranking: Encodable, Sendable {
        /// Most damaging first.
        var layers: [Layer]
        var samples: Int
        var notes: [String]

        enum CodingKeys: String, CodingKey {
            case layers, samples
        }
    }

    /// Samples per layer: enough to rank layers, few enough that a model with dozens of
    /// quantized layers is analysed in seconds.
    static let samplesPerLayer = 4

    /// `build(node, others)` returns an executor for the model with every node of `others`
    /// excluded from quantization, i.e. only `node` quantized.
    static func rank(
        _ nodes: [String], validation: ValidationSet, progress: RunProgress, span: ClosedRange<Double>,
        build: (_ node: String, _ others: [String]) async throws -> Executor
    ) async throws -> Ranking {
        var layers: [Layer] = []
        let width = (span.upperBound - span.lowerBound) / Double(max(1, nodes.count))
        for (index, node) in nodes.enumerated() {
            let from = span.lowerBound + width * Double(index)
            try await progress.update("sensitivity analysis: \(node)", span: from...(from + width), fraction: 0)
            let executor = try await build(node, nodes.filter { $0 != node })
            let (fidelity, _) = try await validation.evaluate(
                executor, top1Outputs: [], sampleLimit: samplesPerLayer, progress: progress,
                step: "sensitivity analysis: \(node)", span: from...(from + width))
            layers.append(Layer(node: node, retentionLossPercent: max(0, 100 - fidelity.accuracyRetentionPercent)))
        }
        layers.sort { $0.retentionLossPercent > $1.retentionLossPercent }
        var notes: [String] = []
        if layers.allSatisfy({ $0.retentionLossPercent == 0 }) {
            notes.append("sensitivity analysis: no single quantized layer loses accuracy on its own; the loss comes from their combination")
        }
        return Ranking(layers: layers, samples: min(samplesPerLayer, validation.items.count), notes: notes)
    }
}
