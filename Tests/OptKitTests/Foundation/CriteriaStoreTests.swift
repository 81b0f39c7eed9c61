import Foundation
import OptKit
import Testing

@Suite struct CriteriaStoreTests {
    @Test func freshStoreServesTheDefaultsAtVersionOne() async throws {
        let directory = try TemporaryDirectory()
        let stored = try await makePlatform(in: directory).criteria.current()
        #expect(stored.criteria == .defaults && stored.version == 1)
    }

    @Test func unconditionalPutsIncrementTheVersion() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        var criteria = OptimizationCriteria.defaults
        criteria.name = "arm"
        let first = try await platform.criteria.replace(with: criteria, expectedVersion: nil)
        let second = try await platform.criteria.replace(with: criteria, expectedVersion: nil)
        #expect(first.version == 2 && second.version == 3)
        #expect(try await platform.criteria.current() == second)
    }

    @Test func aStalePutIsAConflictAndWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        _ = try await platform.criteria.replace(with: .defaults, expectedVersion: 1)
        var changed = OptimizationCriteria.defaults
        changed.name = "late"
        let error = await #expect(throws: StaleVersion.self) {
            try await platform.criteria.replace(with: changed, expectedVersion: 1)
        }
        #expect(error?.kind == .conflict && error?.current == 2)
        #expect(try await platform.criteria.current().criteria.name == "default")
    }

    @Test func invalidCriteriaAreNotStored() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        var criteria = OptimizationCriteria.defaults
        criteria.maxSizeReductionPercent = 200
        let json = try JSONParser.parse(JSONCoding.string(criteria))
        await #expect(throws: CriteriaRejected.self) { try await platform.putCriteria(CriteriaDocument(json: json)) }
        #expect(try await platform.criteria.current().version == 1)
    }

    /// Twenty clients, each with its own connection pool on the same file, put from version 1
    /// at once: exactly one wins, the rest are conflicts, and the stored criteria are the winner's.
    @Test func twentyConcurrentPutsFromOneVersionHaveOneWinner() async throws {
        let directory = try TemporaryDirectory()
        _ = try makePlatform(in: directory)
        let platforms = try (0..<20).map { _ in try makePlatform(in: directory) }
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for (index, platform) in platforms.enumerated() {
                group.addTask {
                    var criteria = OptimizationCriteria.defaults
                    criteria.name = "client \(index)"
                    do {
                        _ = try await platform.criteria.replace(with: criteria, expectedVersion: 1)
                        return (criteria.name, true)
                    } catch is StaleVersion {
                        return (criteria.name, false)
                    } catch {
                        return ("unexpected: \(error)", false)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.filter(\.1).map(\.0)
        #expect(winners.count == 1)
        #expect(outcomes.filter { !$0.1 && $0.0.hasPrefix("client") }.count == 19)
        let stored = try await platforms[0].criteria.current()
        #expect(stored.version == 2)
        #expect([stored.criteria.name] == winners)
    }
}
