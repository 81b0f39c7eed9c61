import Foundation
import GRDB

/// Sessions in the SQLite database. Counters for the dashboard are kept by triggers
/// (see the v3 migration); each change's event is appended in the same transaction.
public struct SQLiteSessionStore: SessionStore {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func create(_ new: NewSession) async throws -> Session {
        let now = Timestamp.now()
        let session = Session(
            id: UUID().uuidString.lowercased(), modelID: new.modelID, modelName: new.modelName,
            techniques: new.techniques, owner: new.owner, createdAt: now, updatedAt: now)
        try await database.writer.write { db in
            try Self.insert(session, db)
            if let holder = new.holder {
                try Self.lease([session.id], to: holder, until: now.addingTimeInterval(LeaseHolder.duration), db)
            }
        }
        return session
    }

    public func session(id: String) async throws -> Session {
        try await database.writer.read { db in try Self.fetch(id: id, db) }
    }

    public func list(_ filter: SessionFilter) async throws -> SessionPage {
        try await database.writer.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let status = filter.status {
                conditions.append("status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            if let model = filter.modelID {
                conditions.append("model_id = ?")
                _ = arguments.append(contentsOf: [model])
            }
            if let start = filter.startDate {
                conditions.append("created_at >= ?")
                _ = arguments.append(contentsOf: [Timestamp.milliseconds(start)])
            }
            if let end = filter.endDate {
                conditions.append("created_at <= ?")
                _ = arguments.append(contentsOf: [Timestamp.milliseconds(end)])
            }
            if let owner = filter.owner {
                conditions.append("owner = ?")
                _ = arguments.append(contentsOf: [owner])
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")

            // The counters answer a status-only (or empty) filter without counting rows.
            let total: Int
            if filter.modelID == nil, filter.startDate == nil, filter.endDate == nil, filter.owner == nil {
                let sql = filter.status == nil
                    ? "SELECT coalesce(sum(sessions), 0) FROM session_counters"
                    : "SELECT sessions FROM session_counters WHERE status = ?"
                total = try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            } else {
                total = try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions \(whereClause)", arguments: arguments) ?? 0
            }

            _ = arguments.append(contentsOf: [filter.limit, filter.skip])
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(Self.summaryColumns) FROM sessions \(whereClause)
                ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?
                """, arguments: arguments)
            var sessions: [SessionSummary] = []
            sessions.reserveCapacity(filter.limit)
            while let row = try rows.next() {
                sessions.append(SessionSummary(try Self.session(from: row)))
            }
            return SessionPage(sessions: sessions, total: total, skip: filter.skip, limit: filter.limit)
        }
    }

    @discardableResult
    public func apply(_ change: SessionChange, to id: String) async throws -> Session {
        try await database.writer.write { db in
            let current = try Self.fetch(id: id, db)
            let now = max(Timestamp.now(), current.updatedAt)
            let (next, event) = try current.applying(change, at: now)
            try Self.update(next, db)
            if let event { try Self.append(event, at: now, db) }
            return next
        }
    }

    public func statistics() async throws -> SessionStatistics {
        try await database.writer.read { db in try Self.statistics(db) }
    }

    public func renewLease(holder: LeaseHolder, sessions ids: [String], until: Date) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await database.writer.write { db in
            try Self.lease(ids, to: holder, until: until, db)
            let placeholders = databaseQuestionMarks(count: ids.count)
            return Set(try String.fetchAll(
                db, sql: "SELECT id FROM sessions WHERE cancel_requested = 1 AND id IN (\(placeholders))",
                arguments: StatementArguments(ids)))
        }
    }

    public func recoverAbandoned(now: Date) async throws -> [Session] {
        let cutoff = Timestamp.milliseconds(now)
        // Rows written before leases existed have none: their last update stands in for it.
        let expiredSQL = """
            SELECT id, lease_holder FROM sessions WHERE status IN ('pending', 'running')
            AND coalesce(lease_expires_at, updated_at + \(Int64(LeaseHolder.duration * 1000))) < ?
            """
        let candidates = try await database.writer.read { db in
            try Row.fetchAll(db, sql: expiredSQL, arguments: [cutoff]).map { row -> (String, String?) in
                (row["id"], row["lease_holder"])
            }
        }
        let abandoned = candidates.filter { _, holder in
            holder.flatMap(LeaseHolder.init(parsing:))?.mayBeAlive != true
        }
        guard !abandoned.isEmpty else { return [] }
        return try await database.writer.write { db in
            var recovered: [Session] = []
            for (id, holder) in abandoned {
                // Re-checked inside the transaction: the holder may have renewed meanwhile.
                let stillExpired = try Bool.fetchOne(db, sql: """
                    SELECT 1 FROM sessions WHERE id = ? AND status IN ('pending', 'running')
                    AND coalesce(lease_expires_at, updated_at + \(Int64(LeaseHolder.duration * 1000))) < ?
                    """, arguments: [id, cutoff]) ?? false
                guard stillExpired else { continue }
                let current = try Self.fetch(id: id, db)
                let message = "the process running this session (\(holder ?? "unknown")) stopped without finishing it"
                let (next, event) = try current.applying(
                    .fail(type: .interrupted, message: message, outcome: nil), at: max(now, current.updatedAt))
                try Self.update(next, db)
                if let event { try Self.append(event, at: next.updatedAt, db) }
                recovered.append(next)
            }
            return recovered
        }
    }

    static func lease(_ ids: [String], to holder: LeaseHolder, until: Date, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE sessions SET lease_holder = ?, lease_expires_at = ?
                WHERE status IN ('pending', 'running') AND id IN (\(databaseQuestionMarks(count: ids.count)))
                """,
            arguments: StatementArguments([holder.description, Timestamp.milliseconds(until)] as [any DatabaseValueConvertible]) + StatementArguments(ids))
    }

    static func statistics(_ db: Database) throws -> SessionStatistics {
        var counts: [SessionStatus: Int] = [:]
        var size = 0.0
        var speed = 0.0
        for row in try Row.fetchAll(db, sql: "SELECT * FROM session_counters") {
            guard let status = SessionStatus(rawValue: row["status"]) else { continue }
            counts[status] = row["sessions"]
            if status == .completed {
                let sizeCount: Int = row["size_count"]
                let speedCount: Int = row["speed_count"]
                size = sizeCount > 0 ? row["size_sum"] / Double(sizeCount) : 0
                speed = speedCount > 0 ? row["speed_sum"] / Double(speedCount) : 0
            }
        }
        return SessionStatistics(countsByStatus: counts, averageSizeReduction: size, averageSpeedImprovement: speed)
    }

    // MARK: - Rows

    /// Everything but `results`, which a list never shows and which can be large.
    static let summaryColumns = """
        id, model_id, model_name, status, progress_percentage, current_step, techniques,
        size_reduction_percent, speed_improvement_percent, accuracy_retention_percent,
        NULL AS results, error_message, error_type, owner, cancel_requested, created_at, updated_at, completed_at
        """

    static func fetch(id: String, _ db: Database) throws -> Session {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [id]) else {
            throw NotFound(entity: "session", id: id)
        }
        return try session(from: row)
    }

    static func session(from row: Row) throws -> Session {
        let techniquesText: String = row["techniques"]
        let techniques = (try? JSONParser.parse(techniquesText)).flatMap { value -> [String]? in
            guard case .array(let items) = value else { return nil }
            return items.compactMap(\.stringValue)
        } ?? []
        let resultsText: String? = row["results"]
        let results = try resultsText.map { try JSONParser.parse($0) }
        let errorTypeText: String? = row["error_type"]
        let completed: Int64? = row["completed_at"]
        return Session(
            id: row["id"], modelID: row["model_id"], modelName: row["model_name"],
            status: SessionStatus(rawValue: row["status"]) ?? .failed,
            progressPercentage: row["progress_percentage"], currentStep: row["current_step"],
            techniques: techniques,
            sizeReductionPercent: row["size_reduction_percent"],
            speedImprovementPercent: row["speed_improvement_percent"],
            accuracyRetentionPercent: row["accuracy_retention_percent"],
            results: results, errorMessage: row["error_message"],
            errorType: errorTypeText.flatMap(SessionErrorType.init(rawValue:)),
            owner: row["owner"], cancelRequested: row["cancel_requested"],
            createdAt: Timestamp.date(milliseconds: row["created_at"]),
            updatedAt: Timestamp.date(milliseconds: row["updated_at"]),
            completedAt: completed.map(Timestamp.date(milliseconds:)))
    }

    static func arguments(_ s: Session) -> StatementArguments {
        [
            s.id, s.modelID, s.modelName, s.status.rawValue, s.progressPercentage, s.currentStep,
            JSONCoding.string(s.techniques), s.sizeReductionPercent, s.speedImprovementPercent,
            s.accuracyRetentionPercent, s.results.map { JSONCoding.string($0) }, s.errorMessage,
            s.errorType?.rawValue, s.owner, s.cancelRequested, Timestamp.milliseconds(s.createdAt),
            Timestamp.milliseconds(s.updatedAt), s.completedAt.map(Timestamp.milliseconds),
        ]
    }

    static func insert(_ session: Session, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO sessions (id, model_id, model_name, status, progress_percentage, current_step,
                techniques, size_reduction_percent, speed_improvement_percent, accuracy_retention_percent,
                results, error_message, error_type, owner, cancel_requested, created_at, updated_at, completed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: arguments(session))
    }

    static func update(_ session: Session, _ db: Database) throws {
        var args = arguments(session)
        _ = args.append(contentsOf: [session.id])
        try db.execute(sql: """
            UPDATE sessions SET id = ?, model_id = ?, model_name = ?, status = ?, progress_percentage = ?,
                current_step = ?, techniques = ?, size_reduction_percent = ?, speed_improvement_percent = ?,
                accuracy_retention_percent = ?, results = ?, error_message = ?, error_type = ?, owner = ?,
                cancel_requested = ?, created_at = ?, updated_at = ?, completed_at = ?
            WHERE id = ?
            """, arguments: args)
    }

    static func append(_ event: SessionEvent, at date: Date, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO events (session_id, name, payload, created_at) VALUES (?, ?, ?, ?)",
            arguments: [event.sessionID, event.name, event.payloadJSON(), Timestamp.milliseconds(date)])
    }
}
