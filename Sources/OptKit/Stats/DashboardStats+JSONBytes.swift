import Foundation

extension DashboardStats {
    /// The seed's DashboardStats as JSON bytes: the same bytes as `JSONCoding`'s encoder (keys
    /// in sorted order, `warnings` only when present), at a fraction of the cost.
    public func jsonBytes() throws(EncodingError) -> [UInt8] {
        var json = JSONBytes(capacity: 320)
        json.raw("{\"active_optimizations\":")
        json.int(activeOptimizations)
        json.raw(",\"average_size_reduction\":")
        try json.double(averageSizeReduction)
        json.raw(",\"average_speed_improvement\":")
        try json.double(averageSpeedImprovement)
        json.raw(",\"completed_optimizations\":")
        json.int(completedOptimizations)
        json.raw(",\"failed_optimizations\":")
        json.int(failedOptimizations)
        json.raw(",\"last_updated\":")
        json.date(lastUpdated)
        json.raw(",\"total_models\":")
        json.int(totalModels)
        json.raw(",\"total_sessions\":")
        json.int(totalSessions)
        if let warnings {
            json.raw(",\"warnings\":")
            json.strings(warnings)
        }
        json.raw("}")
        return json.bytes
    }
}
