import Foundation
import OptKit
import Testing

@Suite struct SessionRequestTests {
    @Test func overridesApplyOnTopOfTheStoredCriteria() throws {
        let request = try SessionRequest(json: JSONParser.parse("""
            {"model_id": "m1", "techniques": ["quantize-int8"],
             "criteria": {"max_inference_time_ms": 8, "constraints": {"control_hz": 100}}}
            """))
        let criteria = try request.effectiveCriteria(base: .defaults)
        #expect(criteria.maxInferenceTimeMs == 8)
        #expect(criteria.constraints.controlHz == 100)
        #expect(criteria.constraints.maxFallbackAttempts == OptimizationConstraints.defaultFallbackAttempts)
        #expect(criteria.enabledTechniques == ["quantize-int8"])
        #expect(criteria.minAccuracyRetentionPercent == OptimizationCriteria.defaults.minAccuracyRetentionPercent)
    }

    @Test func everyRequestProblemIsNamed() throws {
        let error = #expect(throws: InvalidRequest.self) {
            try SessionRequest(json: JSONParser.parse("""
                {"techniques": ["fp16", "fp16", "teleport"], "criteria": {"name": "x", "max_size_reduction_percent": 10}, "priority": 1}
                """))
        }
        #expect(Set(error?.fields.map(\.field) ?? []) == ["model_id", "techniques", "criteria.name", "priority"])
    }

    @Test func overrideValuesAreValidatedUnderTheirRequestNames() throws {
        let request = try SessionRequest(json: JSONParser.parse("""
            {"model_id": "m1", "techniques": ["fp16"], "criteria": {"max_inference_time_ms": "soon", "hardware_target": "cortex-m"}}
            """))
        let invalid = #expect(throws: InvalidRequest.self) { try request.effectiveCriteria(base: .defaults) }
        #expect(invalid?.fields.map(\.field) == ["criteria.max_inference_time_ms"])

        let conflicting = try SessionRequest(json: JSONParser.parse("""
            {"model_id": "m1", "techniques": ["fp16"], "criteria": {"hardware_target": "cortex-m"}}
            """))
        let conflict = #expect(throws: CriteriaRejected.self) { try conflicting.effectiveCriteria(base: .defaults) }
        #expect(conflict?.kind == .conflict)
        #expect(conflict?.fields.map(\.field) == ["techniques"])
    }
}
