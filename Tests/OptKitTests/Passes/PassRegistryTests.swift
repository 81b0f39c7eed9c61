import Foundation
import Testing
@testable import OptKit

/// The registry is what the runner and `optctl techniques` read: every catalogue technique has
/// its pass under the same id, with the parameters the docs describe.
@Suite struct PassRegistryTests {
    @Test func everyCatalogueTechniqueHasItsPassUnderTheSameId() throws {
        for technique in Technique.all {
            let descriptor = try #require(PassRegistry.descriptor(for: technique.id), "\(technique.id) has no pass")
            #expect(descriptor.technique == technique)
            #expect(try descriptor.makePass().technique.id == technique.id)
        }
        #expect(PassRegistry.descriptors.map(\.technique.id) == ["simplify", "fp16", "quantize-int8-dynamic", "quantize-int8"])
    }

    @Test func parametersAreDescribedWithTheirDefaults() throws {
        func defaults(_ id: String) throws -> [String: JSONValue] {
            let descriptor = try #require(PassRegistry.descriptor(for: id))
            return Dictionary(uniqueKeysWithValues: descriptor.parameters.map { ($0.name, $0.defaultValue) })
        }
        let staticDefaults = try defaults("quantize-int8")
        #expect(staticDefaults["method"] == .string("minmax"))
        #expect(staticDefaults["percentile"] == .number(99.99))
        #expect(staticDefaults["format"] == .string("qdq"))
        #expect(staticDefaults["per_channel"] == .bool(true))
        #expect(staticDefaults["symmetric_activations"] == .bool(false))
        #expect(staticDefaults["exclude_nodes"] == .array([]))
        #expect(staticDefaults["exclude_op_types"] == .array([]))
        let dynamicDefaults = try defaults("quantize-int8-dynamic")
        #expect(dynamicDefaults["format"] == .string("qoperator"))
        #expect(Set(dynamicDefaults.keys) == ["format", "per_channel", "op_types", "exclude_nodes", "exclude_op_types"])
        let fp16Defaults = try defaults("fp16")
        #expect(Set(fp16Defaults.keys) == ["keep_fp32_op_types", "keep_fp32_nodes", "check_activations", "error_budget", "synthetic_samples"])
        // The descriptors encode to what `optctl techniques --json` prints.
        let method = try #require(PassRegistry.descriptor(for: "quantize-int8")?.parameters.first { $0.name == "method" })
        let json = String(decoding: try JSONEncoder().encode(method), as: UTF8.self)
        #expect(json.contains("\"choices\":[\"minmax\",\"percentile\",\"entropy\"]"))
    }

    @Test func planOrdersCleanUpsFirstAndRefusesTwoPrecisions() throws {
        let passes = try PassRegistry.plan(techniques: ["quantize-int8", "simplify"], parameters: ["quantize-int8": ["method": .string("entropy")]])
        #expect(passes.map(\.technique.id) == ["simplify", "quantize-int8"])
        #expect(passes[1].parameters["method"] == .string("entropy"))
        do {
            _ = try PassRegistry.plan(techniques: ["fp16", "quantize-int8"], parameters: ["fp16": ["error_budget": .number(2)]])
            Issue.record("two precision passes accepted")
        } catch {
            let fields = error.fields.map(\.field)
            #expect(fields.contains("techniques"))
            #expect(fields.contains("techniques.fp16.error_budget"))
        }
    }
}
