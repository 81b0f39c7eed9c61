import Foundation

/// The seed's DashboardStats. `optctl stats --json` and `GET /dashboard/stats` both return this.
///
/// `warnings` is present only when a source failed and the figures are partial (the seed's
/// "return partial data with warnings"); the fields of the failed source are then 0.
public struct DashboardStats: Codable, Equatable, Sendable {
    public var totalModels: Int
    /// pending + running.
    public var activeOptimizations: Int
    public var completedOptimizations: Int
    public var failedOptimizations: Int
    /// Percent, mean over completed sessions carrying the figure; 0 when there are none.
    public var averageSizeReduction: Double
    /// Percent, mean over completed sessions carrying the figure; 0 when there are none.
    public var averageSpeedImprovement: Double
    public var totalSessions: Int
    /// When these figures were computed.
    public var lastUpdated: Date
    public var warnings: [String]?

    public init(
        totalModels: Int, activeOptimizations: Int, completedOptimizations: Int, failedOptimizations: Int,
        averageSizeReduction: Double, averageSpeedImprovement: Double, totalSessions: Int, lastUpdated: Date,
        warnings: [String]? = nil
    ) {
        self.totalModels = totalModels
        self.activeOptimizations = activeOptimizations
        self.completedOptimizations = completedOptimizations
        self.failedOptimizations = failedOptimizations
        self.averageSizeReduction = averageSizeReduction
        self.averageSpeedImprovement = averageSpeedImprovement
        self.totalSessions = totalSessions
        self.lastUpdated = lastUpdated
        self.warnings = warnings
    }

    /// Combines the two sources; either may be missing, with the reason given as a warning.
    public init(models: Result<Int, any Error>, sessions: Result<SessionStatistics, any Error>, at now: Date) {
        var warnings: [String] = []
        let modelCount: Int
        switch models {
        case .success(let count): modelCount = count
        case .failure(let error):
            modelCount = 0
            warnings.append("total_models unavailable: \(error.localizedDescription)")
        }
        let statistics: SessionStatistics
        switch sessions {
        case .success(let value): statistics = value
        case .failure(let error):
            statistics = SessionStatistics(countsByStatus: [:], averageSizeReduction: 0, averageSpeedImprovement: 0)
            warnings.append("session figures unavailable: \(error.localizedDescription)")
        }
        self.init(
            totalModels: modelCount,
            activeOptimizations: statistics.count(.pending) + statistics.count(.running),
            completedOptimizations: statistics.count(.completed),
            failedOptimizations: statistics.count(.failed),
            averageSizeReduction: statistics.averageSizeReduction,
            averageSpeedImprovement: statistics.averageSpeedImprovement,
            totalSessions: statistics.total,
            lastUpdated: now,
            warnings: warnings.isEmpty ? nil : warnings)
    }

    enum CodingKeys: String, CodingKey {
        case totalModels = "total_models"
        case activeOptimizations = "active_optimizations"
        case completedOptimizations = "completed_optimizations"
        case failedOptimizations = "failed_optimizations"
        case averageSizeReduction = "average_size_reduction"
        case averageSpeedImprovement = "average_speed_improvement"
        case totalSessions = "total_sessions"
        case lastUpdated = "last_updated"
        case warnings
    }
}
