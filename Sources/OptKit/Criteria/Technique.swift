/// The optimization techniques optctl knows, by the id users write in `--techniques` and in
/// `enabled_techniques`. Criteria validation, `optctl techniques` and the pass registry all
/// read this one list, so an id cannot mean different things in different places.
public struct Technique: Equatable, Sendable {
    public let id: String
    public let summary: String
    /// Whether the technique can change the model's outputs (quantization, reduced precision).
    public let isLossy: Bool
    /// The numeric capability a target needs to execute the result.
    public let requires: HardwareCapability

    public static let all: [Technique] = [
        Technique(
            id: "simplify", summary: "constant folding, BatchNorm folding into Conv, dead and identity node removal",
            isLossy: false, requires: .fp32),
        Technique(
            id: "fp16", summary: "weights and compute in float16, model inputs and outputs stay float32",
            isLossy: true, requires: .fp16),
        Technique(
            id: "quantize-int8-dynamic", summary: "int8 weights, activations quantized at run time",
            isLossy: true, requires: .int8Dynamic),
        Technique(
            id: "quantize-int8", summary: "int8 weights and activations, activation ranges from calibration data",
            isLossy: true, requires: .int8),
    ]

    public static func named(_ id: String) -> Technique? {
        all.first { $0.id == id }
    }
}

/// What a hardware target can execute.
public enum HardwareCapability: String, Sendable {
    case fp32, fp16, int8
    /// Quantizing activations at run time needs float min/max and requantization in the kernel,
    /// which fixed-function integer runtimes (CMSIS-NN on microcontrollers) do not provide.
    case int8Dynamic = "int8_dynamic"
}

/// Where the optimized model will run.
public struct HardwareTarget: Equatable, Sendable {
    public let id: String
    public let summary: String
    public let capabilities: Set<HardwareCapability>

    public static let all: [HardwareTarget] = [
        HardwareTarget(
            id: "cpu", summary: "the CPU optctl runs on (the engine picks its best kernels)",
            capabilities: [.fp32, .fp16, .int8, .int8Dynamic]),
        HardwareTarget(
            id: "x86_64-avx2", summary: "x86-64 with AVX2 and FMA", capabilities: [.fp32, .fp16, .int8, .int8Dynamic]),
        HardwareTarget(
            id: "x86_64-avx512-vnni", summary: "x86-64 with AVX-512 and VNNI integer dot products",
            capabilities: [.fp32, .fp16, .int8, .int8Dynamic]),
        HardwareTarget(
            id: "arm64-neon", summary: "64-bit Arm with NEON (and dot product where present)",
            capabilities: [.fp32, .fp16, .int8, .int8Dynamic]),
        HardwareTarget(
            id: "cortex-m", summary: "Arm Cortex-M microcontrollers (CMSIS-NN): static int8 and fp32 only",
            capabilities: [.fp32, .int8]),
    ]

    public static func named(_ id: String) -> HardwareTarget? {
        all.first { $0.id == id }
    }
}
