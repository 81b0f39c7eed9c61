import OpenAPIKit
import OptKit

/// The JSON schemas of the API, written next to each other so that they can be read against
/// the Swift types they describe (OptKit's `DashboardStats`, `Session`, `SessionPage`,
/// `StoredCriteria`, `ModelRecord`, and OptServe's `ErrorResponse`, `TokenPair`). Tests decode
/// real responses and check them against these schemas, and schemathesis does the same against
/// the live server.
enum APISchemas {
    static func ref(_ name: String, required: Bool = true) -> JSONSchema {
        .reference(.component(named: name), required: required)
    }

    /// An optional request field that may also be sent as null: the server reads null as
    /// absent (OptKit's DocumentReader), so the document must say that null is accepted.
    static func optionalRef(_ name: String) -> JSONSchema {
        .one(of: ref(name), .null(), required: false)
    }

    static let timestamp = JSONSchema.string(format: .dateTime, description: "ISO-8601 UTC with milliseconds and Z")
    static let nullableTimestamp = JSONSchema.string(format: .dateTime, nullable: true)
    static let percent = JSONSchema.number(format: .double)
    static let nullablePercent = JSONSchema.number(format: .double, nullable: true)

    static let errorCodes = [
        "validation_error", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
        "precondition_failed", "payload_too_large", "unsupported_media_type", "rate_limited", "internal_error",
        "service_unavailable",
    ]

    static var all: OpenAPI.ComponentDictionary<JSONSchema> {
        [
            "ErrorResponse": .object(
                description: "The body of every non-2xx response.",
                properties: [
                    "error": .string(description: "Error code (contracts.md).", allowedValues: errorCodes.map { AnyCodable($0) }),
                    "message": .string(description: "One line for a person."),
                    "details": .object(
                        nullable: true,
                        description: "Specifics: `fields` (every field problem at once), `line`/`column` of a JSON syntax error, `allowed_methods`, `retry_after_seconds`, `limit_bytes`.",
                        additionalProperties: .a(true)),
                    "timestamp": timestamp,
                    "request_id": .string(description: "Also in the X-Request-ID header."),
                ],
                additionalProperties: .a(false)),
            "FieldProblem": .object(
                properties: [
                    "field": .string, "value": JSONSchema.fragment(description: "The value given, or null when missing."),
                    "message": .string,
                ]),
            "DashboardStats": .object(
                description: "The seed's DashboardStats; `optctl stats --json` prints the same document.",
                properties: [
                    "total_models": .integer(minimum: (0, exclusive: false)),
                    "active_optimizations": .integer(description: "pending + running", minimum: (0, exclusive: false)),
                    "completed_optimizations": .integer(minimum: (0, exclusive: false)),
                    "failed_optimizations": .integer(minimum: (0, exclusive: false)),
                    "average_size_reduction": .number(description: "percent, over completed sessions"),
                    "average_speed_improvement": .number(description: "percent, over completed sessions"),
                    "total_sessions": .integer(minimum: (0, exclusive: false)),
                    "last_updated": timestamp,
                    "warnings": .array(required: false, description: "Present only when a source failed and the figures are partial.", items: .string),
                ],
                additionalProperties: .a(false)),
            "SessionStatus": .string(allowedValues: SessionStatus.allCases.map { AnyCodable($0.rawValue) }),
            "SessionErrorType": .string(nullable: true, allowedValues: SessionErrorType.allCases.map { AnyCodable($0.rawValue) } + [nil]),
            "SessionSummary": .object(
                description: "The seed's OptimizationSessionSummary plus owner, current_step, accuracy_retention_percent and error_type.",
                properties: summaryProperties, additionalProperties: .a(false)),
            "Session": .object(
                description: "A session with its full results document.",
                properties: summaryProperties + [
                    "results": .object(nullable: true, description: "Everything measured, with the method (threads, runs, inputs).", additionalProperties: .a(true)),
                    "error_message": .string(nullable: true),
                    "cancel_requested": .boolean,
                ],
                additionalProperties: .a(false)),
            "SessionListResponse": .object(
                description: "The seed's SessionListResponse.",
                properties: [
                    "sessions": .array(items: ref("SessionSummary")),
                    "total": .integer(minimum: (0, exclusive: false)),
                    "skip": .integer(minimum: (0, exclusive: false)),
                    "limit": .integer(maximum: (SessionFilter.maximumLimit, exclusive: false), minimum: (1, exclusive: false)),
                ],
                additionalProperties: .a(false)),
            "SessionCreateRequest": .object(
                properties: [
                    "model_id": .string(description: "A registered model (GET /models).", minLength: 1, maxLength: 200),
                    "techniques": .array(minItems: 1, uniqueItems: true, items: ref("Technique")),
                    "criteria": .object(
                        required: false, nullable: true,
                        description: "Overrides of the stored criteria for this session only.",
                        properties: [
                            "target_deployment": .string(required: false),
                            "hardware_target": ref("HardwareTarget", required: false),
                            "max_size_reduction_percent": .number(required: false),
                            "min_accuracy_retention_percent": .number(required: false),
                            "max_inference_time_ms": .integer(required: false),
                            "constraints": optionalRef("OptimizationConstraints"),
                        ],
                        additionalProperties: .a(false)),
                ],
                additionalProperties: .a(false)),
            "CancelRequest": .object(
                properties: ["reason": .string(required: false, maxLength: 500)], additionalProperties: .a(false)),
            "Technique": .string(
                description: Technique.all.map { "`\($0.id)`: \($0.summary)" }.joined(separator: "; "),
                allowedValues: Technique.all.map { AnyCodable($0.id) }),
            "HardwareTarget": .string(
                description: HardwareTarget.all.map { "`\($0.id)`: \($0.summary)" }.joined(separator: "; "),
                allowedValues: HardwareTarget.all.map { AnyCodable($0.id) }),
            "OptimizationConstraints": .object(
                description: "docs/criteria.md lists these keys and their ranges. In a request, null stands for an absent key (its default).",
                properties: [
                    "max_model_size_mb": .number(required: false, nullable: true),
                    "max_peak_memory_mb": .number(required: false, nullable: true),
                    "control_hz": .number(required: false, nullable: true),
                    "excluded_op_types": .array(required: false, nullable: true, items: .string),
                    "excluded_nodes": .array(required: false, nullable: true, items: .string),
                    "max_fallback_attempts": .integer(required: false, nullable: true, maximum: (10, exclusive: false), minimum: (0, exclusive: false)),
                ],
                additionalProperties: .a(false)),
            "OptimizationCriteria": .object(
                description: "The seed's OptimizationCriteriaResponse plus `version` (also the ETag).",
                properties: criteriaProperties(required: true) + [
                    "version": .integer(minimum: (1, exclusive: false)),
                    "created_at": timestamp,
                    "updated_at": timestamp,
                ],
                additionalProperties: .a(false)),
            "OptimizationCriteriaUpdate": .object(
                description: "The criteria to store. `version` makes the write conditional (409 when stale); created_at, updated_at are read-only and ignored. Unknown fields: 400. An optional field sent as null counts as absent.",
                properties: criteriaProperties(required: false) + [
                    "version": .integer(required: false, nullable: true, minimum: (1, exclusive: false)),
                    "created_at": .fragment(required: false, description: "Read-only: any value is accepted and ignored."),
                    "updated_at": .fragment(required: false, description: "Read-only: any value is accepted and ignored."),
                ],
                additionalProperties: .a(false)),
            "Model": .object(
                properties: [
                    "model_id": .string, "name": .string, "path": .string(description: "The file on the server."),
                    "sha256": .string(pattern: "^[0-9a-f]{64}$"), "bytes": .integer(format: .int64, minimum: (0, exclusive: false)),
                    "format": .string(allowedValues: ["onnx"]), "created_at": timestamp,
                ],
                additionalProperties: .a(false)),
            "ModelList": .object(
                properties: ["models": .array(items: ref("Model")), "total": .integer(minimum: (0, exclusive: false))],
                additionalProperties: .a(false)),
            "TokenRequest": .object(
                properties: ["username": .string, "password": .string(format: .password)], additionalProperties: .a(false)),
            "RefreshRequest": .object(properties: ["refresh_token": .string], additionalProperties: .a(false)),
            "TokenPair": .object(
                properties: [
                    "access_token": .string, "token_type": .string(allowedValues: ["bearer"]),
                    "expires_in": .integer(description: "seconds"), "refresh_token": .string,
                    "refresh_expires_in": .integer(description: "seconds"), "user": .string,
                    "role": .string(allowedValues: UserRole.allCases.map { AnyCodable($0.rawValue) }),
                ],
                additionalProperties: .a(false)),
            "Health": .object(
                properties: [
                    "status": .string(allowedValues: ["ok"]), "database": .string(allowedValues: ["ok"]), "version": .string,
                    "uptime_seconds": .number, "timestamp": timestamp,
                ],
                additionalProperties: .a(false)),
        ]
    }

    static var summaryProperties: OrderedDictionary<String, JSONSchema> {
        [
            "session_id": .string, "model_id": .string, "model_name": .string, "status": ref("SessionStatus"),
            "progress_percentage": .number(maximum: (100, exclusive: false), minimum: (0, exclusive: false)),
            "current_step": .string(nullable: true), "techniques": .array(items: .string),
            "size_reduction_percent": nullablePercent, "speed_improvement_percent": nullablePercent,
            "accuracy_retention_percent": nullablePercent, "error_type": ref("SessionErrorType"), "owner": .string,
            "created_at": timestamp, "updated_at": timestamp, "completed_at": nullableTimestamp,
        ]
    }

    /// Response documents carry every field; a request may leave out description and
    /// constraints, or send them as null (`required: false` for those only).
    static func criteriaProperties(required: Bool) -> OrderedDictionary<String, JSONSchema> {
        [
            "name": .string(minLength: 1, maxLength: 100),
            "description": .string(required: required, nullable: !required, maxLength: 2000),
            "constraints": required ? ref("OptimizationConstraints") : optionalRef("OptimizationConstraints"),
            "target_deployment": .string(minLength: 1, maxLength: 64),
            "enabled_techniques": .array(minItems: 1, uniqueItems: true, items: ref("Technique")),
            "hardware_target": ref("HardwareTarget"),
            "max_size_reduction_percent": .number(maximum: (100, exclusive: false), minimum: (0, exclusive: true)),
            "min_accuracy_retention_percent": .number(maximum: (100, exclusive: false), minimum: (0, exclusive: false)),
            "max_inference_time_ms": .integer(maximum: (3_600_000, exclusive: false), minimum: (1, exclusive: false)),
        ]
    }
}

/// Schema properties: the left-hand ones followed by the right-hand ones.
func + (lhs: OrderedDictionary<String, JSONSchema>, rhs: OrderedDictionary<String, JSONSchema>) -> OrderedDictionary<String, JSONSchema> {
    var combined = lhs
    combined.merge(rhs) { $1 }
    return combined
}
