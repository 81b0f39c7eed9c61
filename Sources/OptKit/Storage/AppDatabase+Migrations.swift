import GRDB

extension AppDatabase {
    /// The schema's history. Never edit a shipped migration: add a new one, so that databases
    /// created by any earlier optctl upgrade in place.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-sessions-models-criteria") { db in
            try db.execute(sql: """
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    model_id TEXT NOT NULL,
                    model_name TEXT NOT NULL,
                    status TEXT NOT NULL
                        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
                    progress_percentage REAL NOT NULL DEFAULT 0,
                    current_step TEXT,
                    techniques TEXT NOT NULL,
                    size_reduction_percent REAL,
                    speed_improvement_percent REAL,
                    accuracy_retention_percent REAL,
                    results TEXT,
                    error_message TEXT,
                    error_type TEXT,
                    owner TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    completed_at INTEGER
                );
                -- One index per SessionFilter field, each ending in created_at so that the
                -- list's ORDER BY created_at DESC is read straight from the index.
                CREATE INDEX sessions_by_created ON sessions(created_at);
                CREATE INDEX sessions_by_status ON sessions(status, created_at);
                CREATE INDEX sessions_by_model ON sessions(model_id, created_at);

                CREATE TABLE models (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE,
                    bytes INTEGER NOT NULL,
                    format TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );

                CREATE TABLE criteria (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    document TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """)
            let now = Timestamp.milliseconds(Timestamp.now())
            try db.execute(
                sql: "INSERT INTO criteria (id, document, version, created_at, updated_at) VALUES (1, ?, 1, ?, ?)",
                arguments: [JSONCoding.string(OptimizationCriteria.defaults), now, now])
        }

        // Every session change appends its event in the same transaction, so another process
        // (the server) can follow runs started elsewhere and replay after a reconnect.
        migrator.registerMigration("v2-events-cancel-mark") { db in
            try db.execute(sql: """
                ALTER TABLE sessions ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX events_by_session ON events(session_id, seq);
                """)
        }

        // Dashboard figures from counters that triggers keep current in the same transaction
        // as every session or model change, so stats never scan the sessions table. The
        // counters are filled from existing rows when this migration runs.
        migrator.registerMigration("v3-dashboard-counters") { db in
            try db.execute(sql: """
                CREATE TABLE session_counters (
                    status TEXT PRIMARY KEY NOT NULL,
                    sessions INTEGER NOT NULL DEFAULT 0,
                    size_sum REAL NOT NULL DEFAULT 0,
                    size_count INTEGER NOT NULL DEFAULT 0,
                    speed_sum REAL NOT NULL DEFAULT 0,
                    speed_count INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO session_counters (status)
                    VALUES ('pending'), ('running'), ('completed'), ('failed'), ('cancelled');
                UPDATE session_counters SET
                    sessions = (SELECT count(*) FROM sessions s WHERE s.status = session_counters.status),
                    size_sum = (SELECT coalesce(sum(size_reduction_percent), 0) FROM sessions s WHERE s.status = session_counters.status),
                    size_count = (SELECT count(size_reduction_percent) FROM sessions s WHERE s.status = session_counters.status),
                    speed_sum = (SELECT coalesce(sum(speed_improvement_percent), 0) FROM sessions s WHERE s.status = session_counters.status),
                    speed_count = (SELECT count(speed_improvement_percent) FROM sessions s WHERE s.status = session_counters.status);

                CREATE TRIGGER session_counters_insert AFTER INSERT ON sessions BEGIN
                    UPDATE session_counters SET
                        sessions = sessions + 1,
                        size_sum = size_sum + coalesce(NEW.size_reduction_percent, 0),
                        size_count = size_count + (NEW.size_reduction_percent IS NOT NULL),
                        speed_sum = speed_sum + coalesce(NEW.speed_improvement_percent, 0),
                        speed_count = speed_count + (NEW.speed_improvement_percent IS NOT NULL)
                    WHERE status = NEW.status;
                END;
                CREATE TRIGGER session_counters_delete AFTER DELETE ON sessions BEGIN
                    UPDATE session_counters SET
                        sessions = sessions - 1,
                        size_sum = size_sum - coalesce(OLD.size_reduction_percent, 0),
                        size_count = size_count - (OLD.size_reduction_percent IS NOT NULL),
                        speed_sum = speed_sum - coalesce(OLD.speed_improvement_percent, 0),
                        speed_count = speed_count - (OLD.speed_improvement_percent IS NOT NULL)
                    WHERE status = OLD.status;
                END;
                CREATE TRIGGER session_counters_update
                AFTER UPDATE OF status, size_reduction_percent, speed_improvement_percent ON sessions BEGIN
                    UPDATE session_counters SET
                        sessions = sessions - 1,
                        size_sum = size_sum - coalesce(OLD.size_reduction_percent, 0),
                        size_count = size_count - (OLD.size_reduction_percent IS NOT NULL),
                        speed_sum = speed_sum - coalesce(OLD.speed_improvement_percent, 0),
                        speed_count = speed_count - (OLD.speed_improvement_percent IS NOT NULL)
                    WHERE status = OLD.status;
                    UPDATE session_counters SET
                        sessions = sessions + 1,
                        size_sum = size_sum + coalesce(NEW.size_reduction_percent, 0),
                        size_count = size_count + (NEW.size_reduction_percent IS NOT NULL),
                        speed_sum = speed_sum + coalesce(NEW.speed_improvement_percent, 0),
                        speed_count = speed_count + (NEW.speed_improvement_percent IS NOT NULL)
                    WHERE status = NEW.status;
                END;

                CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                INSERT INTO counters (name, value) VALUES ('models', (SELECT count(*) FROM models));
                CREATE TRIGGER model_counter_insert AFTER INSERT ON models BEGIN
                    UPDATE counters SET value = value + 1 WHERE name = 'models';
                END;
                CREATE TRIGGER model_counter_delete AFTER DELETE ON models BEGIN
                    UPDATE counters SET value = value - 1 WHERE name = 'models';
                END;
                """)
        }

        // A pending or running session is held by the process that will run it. The holder
        // renews the lease every few seconds; a session whose lease expired (and whose process
        // is gone) is failed as interrupted by the next optctl process that opens the store.
        migrator.registerMigration("v4-session-leases") { db in
            try db.execute(sql: """
                ALTER TABLE sessions ADD COLUMN lease_holder TEXT;
                ALTER TABLE sessions ADD COLUMN lease_expires_at INTEGER;
                """)
        }

        // Users of `optctl serve` (the CLI manages them), and an index for the engineer's
        // view of sessions, which lists only the sessions they own, newest first.
        migrator.registerMigration("v5-users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    name TEXT PRIMARY KEY NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'viewer')),
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX sessions_by_owner ON sessions(owner, created_at);
                """)
        }
        return migrator
    }
}
