import Foundation

/// The list endpoint's bodies written with `JSONBytes`: the same bytes as `JSONCoding`'s
/// encoder (keys in sorted order), at a fraction of the cost.
extension SessionSummary {
    public func write(to json: inout JSONBytes) throws(EncodingError) {
        json.raw("{\"accuracy_retention_percent\":")
        try json.optional(accuracyRetentionPercent) { json, value throws(EncodingError) in try json.double(value) }
        json.raw(",\"completed_at\":")
        try json.optional(completedAt) { json, value in json.date(value) }
        json.raw(",\"created_at\":")
        json.date(createdAt)
        json.raw(",\"current_step\":")
        try json.optional(currentStep) { json, value in json.string(value) }
        json.raw(",\"error_type\":")
        try json.optional(errorType) { json, value in json.string(value.rawValue) }
        json.raw(",\"model_id\":")
        json.string(modelID)
        json.raw(",\"model_name\":")
        json.string(modelName)
        json.raw(",\"owner\":")
        json.string(owner)
        json.raw(",\"progress_percentage\":")
        try json.double(progressPercentage)
        json.raw(",\"session_id\":")
        json.string(id)
        json.raw(",\"size_reduction_percent\":")
        try json.optional(sizeReductionPercent) { json, value throws(EncodingError) in try json.double(value) }
        json.raw(",\"speed_improvement_percent\":")
        try json.optional(speedImprovementPercent) { json, value throws(EncodingError) in try json.double(value) }
        json.raw(",\"status\":")
        json.string(status.rawValue)
        json.raw(",\"techniques\":")
        json.strings(techniques)
        json.raw(",\"updated_at\":")
        json.date(updatedAt)
        json.raw("}")
    }
}

extension SessionPage {
    /// The seed's SessionListResponse as JSON bytes.
    public func jsonBytes() throws(EncodingError) -> [UInt8] {
        var json = JSONBytes(capacity: 128 + sessions.count * 560)
        json.raw("{\"limit\":")
        json.int(limit)
        json.raw(",\"sessions\":[")
        for (index, session) in sessions.enumerated() {
            if index > 0 { json.raw(",") }
            try session.write(to: &json)
        }
        json.raw("],\"skip\":")
        json.int(skip)
        json.raw(",\"total\":")
        json.int(total)
        json.raw("}")
        return json.bytes
    }
}
