import Foundation
import GRDB
import OptKit
import Testing

@Suite struct DashboardStatsTests {
    @Test func freshStoreHasZeroes() async throws {
        let directory = try TemporaryDirectory()
        let stats = await try makePlatform(in: directory).dashboardStats()
        #expect(stats.totalSessions == 0 && stats.averageSizeReduction == 0 && stats.averageSpeedImprovement == 0)
        #expect(stats.warnings == nil)
    }

    @Test func arithmeticOnSeededSessions() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let store = platform.sessions
        try await seedSession(store, status: .completed, size: 50, speed: 20)
        try await seedSession(store, status: .completed, size: 70, speed: -10)
        try await seedSession(store, status: .completed, size: nil, speed: 40)  // no size figure: not in that mean
        try await seedSession(store, status: .failed)
        try await seedSession(store, status: .cancelled)
        try await seedSession(store, status: .running)
        try await seedSession(store, status: .pending)
        try await seedSession(store, status: .pending)
        let registrar = ModelRegistrar(store: platform.models)
        for index in 0..<3 {
            let path = directory.path("m\(index).onnx")
            try writeTinyModel(to: path, variant: index)
            _ = try await registrar.register(path: path)
        }

        let stats = await platform.dashboardStats()
        #expect(stats.totalModels == 3)
        #expect(stats.totalSessions == 8)
        #expect(stats.activeOptimizations == 3)  // 1 running + 2 pending
        #expect(stats.completedOptimizations == 3)
        #expect(stats.failedOptimizations == 1)
        #expect(stats.averageSizeReduction == 60)  // (50 + 70) / 2
        #expect(abs(stats.averageSpeedImprovement - 50.0 / 3) < 1e-9)  // (20 - 10 + 40) / 3
    }

    @Test func countersFollowSessionsThroughTheirLife() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await seedSession(platform.sessions, status: .running)
        #expect(await platform.dashboardStats().activeOptimizations == 1)
        try await platform.sessions.apply(.complete(SessionOutcome(
            sizeReductionPercent: 30, speedImprovementPercent: 5, accuracyRetentionPercent: 99, results: .null)), to: session.id)
        let stats = await platform.dashboardStats()
        #expect(stats.activeOptimizations == 0 && stats.completedOptimizations == 1 && stats.averageSizeReduction == 30)
    }

    @Test func aFailingSourceGivesPartialFiguresWithAWarning() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        try await seedSession(platform.sessions, status: .completed, size: 40, speed: 10)
        try await platform.database.writer.write { db in try db.execute(sql: "DROP TABLE counters") }
        let stats = await platform.dashboardStats()
        #expect(stats.completedOptimizations == 1 && stats.averageSizeReduction == 40)
        #expect(stats.totalModels == 0)
        #expect(stats.warnings?.count == 1 && stats.warnings?.first?.hasPrefix("total_models unavailable") == true)
    }

    @Test func jsonUsesTheSeedFieldNames() throws {
        let stats = DashboardStats(
            totalModels: 1, activeOptimizations: 2, completedOptimizations: 3, failedOptimizations: 4,
            averageSizeReduction: 5, averageSpeedImprovement: 6, totalSessions: 7, lastUpdated: Date(timeIntervalSince1970: 0))
        let json = try JSONParser.parse(JSONCoding.string(stats))
        guard case .object(let object) = json else { Issue.record("not an object"); return }
        #expect(Set(object.keys) == [
            "total_models", "active_optimizations", "completed_optimizations", "failed_optimizations",
            "average_size_reduction", "average_speed_improvement", "total_sessions", "last_updated",
        ])
        #expect(object["last_updated"] == .string("1970-01-01T00:00:00.000Z"))
    }
}
