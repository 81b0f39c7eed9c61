import Foundation
import OptKit
import Testing

@Suite struct CriteriaDocumentTests {
    /// The defaults as a client would send them back after a GET.
    func document(_ edit: (inout [String: JSONValue]) -> Void = { _ in }) throws -> JSONValue {
        let stored = StoredCriteria(criteria: .defaults, version: 4, createdAt: Date(), updatedAt: Date())
        guard case .object(var object) = try JSONParser.parse(JSONCoding.string(stored)) else {
            throw InvalidRequest([])
        }
        edit(&object)
        return .object(object)
    }

    @Test func aDocumentFromGetParsesBackWithItsVersion() throws {
        let parsed = try CriteriaDocument(json: document())
        #expect(parsed.criteria == .defaults)
        #expect(parsed.expectedVersion == 4)
    }

    @Test func withoutVersionTheWriteIsUnconditional() throws {
        let parsed = try CriteriaDocument(json: document { $0["version"] = nil; $0["created_at"] = nil })
        #expect(parsed.expectedVersion == nil)
    }

    @Test func optionalPartsMayBeOmitted() throws {
        let parsed = try CriteriaDocument(json: document { $0["description"] = nil; $0["constraints"] = nil })
        #expect(parsed.criteria.description == "" && parsed.criteria.constraints == OptimizationConstraints())
    }

    @Test func unknownMistypedAndMissingFieldsAreAllReported() throws {
        let json = try document {
            $0["colour"] = .string("blue")
            $0["max_inference_time_ms"] = .number(12.5)
            $0["enabled_techniques"] = .string("fp16")
            $0["name"] = nil
            $0["constraints"] = .object(["control_hz": .string("fast"), "speed": .number(1)])
        }
        let error = #expect(throws: InvalidRequest.self) { try CriteriaDocument(json: json) }
        let fields = Set(error?.fields.map(\.field) ?? [])
        #expect(fields == ["colour", "max_inference_time_ms", "enabled_techniques", "name", "constraints.control_hz", "constraints.speed"])
    }

    @Test func aBodyThatIsNotAnObjectIsRejected() {
        #expect(throws: InvalidRequest.self) { try CriteriaDocument(json: .array([])) }
    }

    @Test func versionMustBePositive() throws {
        let error = #expect(throws: InvalidRequest.self) { try CriteriaDocument(json: document { $0["version"] = .number(0) }) }
        #expect(error?.fields.map(\.field) == ["version"])
    }
}
