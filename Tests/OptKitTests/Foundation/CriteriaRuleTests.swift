import OptKit
import Testing

/// Every rule of docs/criteria.md, each with a passing and a failing case.
@Suite struct CriteriaRuleTests {
    typealias Edit = @Sendable (inout OptimizationCriteria) -> Void

    struct Rule: Sendable, CustomTestStringConvertible {
        let field: String
        let problemClass: CriteriaValidator.Class
        let passing: Edit
        let failing: Edit
        var testDescription: String { "\(field) (\(problemClass.rawValue))" }
    }

    static let rules: [Rule] = [
        Rule(field: "name", problemClass: .invalid, passing: { $0.name = "robot arm" }, failing: { $0.name = "   " }),
        Rule(field: "name", problemClass: .invalid, passing: { $0.name = String(repeating: "n", count: 100) },
             failing: { $0.name = String(repeating: "n", count: 101) }),
        Rule(field: "description", problemClass: .invalid, passing: { $0.description = "" },
             failing: { $0.description = String(repeating: "d", count: 2001) }),
        Rule(field: "target_deployment", problemClass: .invalid, passing: { $0.targetDeployment = "edge" },
             failing: { $0.targetDeployment = "" }),
        Rule(field: "enabled_techniques", problemClass: .invalid, passing: { $0.enabledTechniques = ["fp16"] },
             failing: { $0.enabledTechniques = [] }),
        Rule(field: "enabled_techniques", problemClass: .invalid, passing: { $0.enabledTechniques = ["quantize-int8"] },
             failing: { $0.enabledTechniques = ["magic"] }),
        Rule(field: "enabled_techniques", problemClass: .invalid, passing: { $0.enabledTechniques = ["fp16", "simplify"] },
             failing: { $0.enabledTechniques = ["fp16", "fp16"] }),
        Rule(field: "hardware_target", problemClass: .invalid, passing: { $0.hardwareTarget = "arm64-neon" },
             failing: { $0.hardwareTarget = "tpu" }),
        Rule(field: "max_size_reduction_percent", problemClass: .invalid, passing: { $0.maxSizeReductionPercent = 100 },
             failing: { $0.maxSizeReductionPercent = 0 }),
        Rule(field: "max_size_reduction_percent", problemClass: .invalid, passing: { $0.maxSizeReductionPercent = 0.5 },
             failing: { $0.maxSizeReductionPercent = 100.5 }),
        Rule(field: "min_accuracy_retention_percent", problemClass: .invalid, passing: { $0.minAccuracyRetentionPercent = 0 },
             failing: { $0.minAccuracyRetentionPercent = -1 }),
        Rule(field: "min_accuracy_retention_percent", problemClass: .invalid, passing: { $0.minAccuracyRetentionPercent = 99.9 },
             failing: { $0.minAccuracyRetentionPercent = 101 }),
        Rule(field: "max_inference_time_ms", problemClass: .invalid, passing: { $0.maxInferenceTimeMs = 1 },
             failing: { $0.maxInferenceTimeMs = 0 }),
        Rule(field: "max_inference_time_ms", problemClass: .invalid, passing: { $0.maxInferenceTimeMs = 3_600_000 },
             failing: { $0.maxInferenceTimeMs = 3_600_001 }),
        Rule(field: "constraints.max_model_size_mb", problemClass: .invalid, passing: { $0.constraints.maxModelSizeMB = 0.5 },
             failing: { $0.constraints.maxModelSizeMB = -2 }),
        Rule(field: "constraints.max_peak_memory_mb", problemClass: .invalid, passing: { $0.constraints.maxPeakMemoryMB = 64 },
             failing: { $0.constraints.maxPeakMemoryMB = 0 }),
        Rule(field: "constraints.control_hz", problemClass: .invalid, passing: { $0.constraints.controlHz = 500 },
             failing: { $0.constraints.controlHz = 0 }),
        Rule(field: "constraints.max_fallback_attempts", problemClass: .invalid, passing: { $0.constraints.maxFallbackAttempts = 10 },
             failing: { $0.constraints.maxFallbackAttempts = 11 }),
        Rule(field: "constraints.excluded_op_types", problemClass: .invalid, passing: { $0.constraints.excludedOpTypes = ["Conv", "MatMul"] },
             failing: { $0.constraints.excludedOpTypes = ["Conv; DROP"] }),
        Rule(field: "constraints.excluded_nodes", problemClass: .invalid, passing: { $0.constraints.excludedNodes = ["/encoder/attn/MatMul"] },
             failing: { $0.constraints.excludedNodes = [""] }),
        Rule(field: "enabled_techniques", problemClass: .conflict,
             passing: { $0.hardwareTarget = "cortex-m"; $0.enabledTechniques = ["quantize-int8", "simplify"] },
             failing: { $0.hardwareTarget = "cortex-m"; $0.enabledTechniques = ["fp16"] }),
        Rule(field: "enabled_techniques", problemClass: .conflict,
             passing: { $0.hardwareTarget = "cortex-m"; $0.enabledTechniques = ["quantize-int8"] },
             failing: { $0.hardwareTarget = "cortex-m"; $0.enabledTechniques = ["quantize-int8-dynamic"] }),
        Rule(field: "min_accuracy_retention_percent", problemClass: .conflict,
             passing: { $0.minAccuracyRetentionPercent = 100; $0.enabledTechniques = ["fp16", "simplify"] },
             failing: { $0.minAccuracyRetentionPercent = 100; $0.enabledTechniques = ["fp16", "quantize-int8"] }),
    ]

    @Test func defaultsAreValid() {
        #expect(CriteriaValidator.problems(in: .defaults).isEmpty)
    }

    @Test(arguments: rules)
    func rule(_ rule: Rule) {
        var passing = OptimizationCriteria.defaults
        rule.passing(&passing)
        #expect(CriteriaValidator.problems(in: passing).isEmpty)

        var failing = OptimizationCriteria.defaults
        rule.failing(&failing)
        let problems = CriteriaValidator.problems(in: failing)
        #expect(problems.map(\.field.field) == [rule.field])
        #expect(problems.map(\.problemClass) == [rule.problemClass])
    }

    @Test func allProblemsAreReportedTogether() {
        var criteria = OptimizationCriteria.defaults
        criteria.name = ""
        criteria.hardwareTarget = "tpu"
        criteria.maxInferenceTimeMs = -5
        let error = #expect(throws: CriteriaRejected.self) { try CriteriaValidator.validate(criteria) }
        #expect(error?.fields.map(\.field) == ["name", "hardware_target", "max_inference_time_ms"])
        #expect(error?.kind == .validation)
    }

    @Test func onlyConflictsMakeAConflictError() {
        var criteria = OptimizationCriteria.defaults
        criteria.hardwareTarget = "cortex-m"
        criteria.enabledTechniques = ["fp16"]
        let error = #expect(throws: CriteriaRejected.self) { try CriteriaValidator.validate(criteria) }
        #expect(error?.kind == .conflict)
        #expect(error?.kind.exitCode == 3)
    }
}
