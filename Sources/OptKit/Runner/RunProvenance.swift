import CKernels
import Foundation

/// Where a session's figures came from: the software, the machine, the data and the exact
/// settings, so a figure can be traced and reproduced (`optctl sessions show` prints it).
struct RunProvenance: Encodable, Sendable {
    var optctlVersion = OptKitVersion.string
    var cpu = CPUDescription.current
    var threads: Int
    var inputSHA256: String
    var outputSHA256: String?
    var calibration: DataProvenance?
    var validation: DataProvenance
    var techniques: [TechniqueProvenance]
    var hardwareTarget: String
    var criteria: OptimizationCriteria

    struct DataProvenance: Encodable, Sendable {
        var description: String
        var sha256: String
        var synthetic: Bool
    }

    struct TechniqueProvenance: Encodable, Sendable {
        var technique: String
        var parameters: JSONValue
    }

    enum CodingKeys: String, CodingKey {
        case cpu, threads, calibration, validation, techniques, criteria
        case optctlVersion = "optctl_version"
        case inputSHA256 = "input_sha256"
        case outputSHA256 = "output_sha256"
        case hardwareTarget = "hardware_target"
    }
}

/// The CPU the measurements ran on and the instruction set the engine's kernels chose.
struct CPUDescription: Encodable, Sendable {
    var model: String
    /// The SIMD features relevant to the engine that this CPU reports.
    var features: [String]
    /// The fp32 kernel path the engine dispatched to at run time.
    var fp32Kernels: String

    enum CodingKeys: String, CodingKey {
        case model, features
        case fp32Kernels = "fp32_kernels"
    }

    static let current: CPUDescription = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            info.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? field("Features") ?? "").split(separator: " ").map(String.init))
        let relevant = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "asimd", "asimddp"]
        let kernels = switch ck_isa() {
        case 3: "avx512"
        case 2: "avx2"
        default: "portable"
        }
        return CPUDescription(
            model: field("model name") ?? field("Hardware") ?? "unknown", features: relevant.filter(flags.contains), fp32Kernels: kernels)
    }()
}
