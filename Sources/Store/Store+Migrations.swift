import CSQLite
import Foundation

extension Store {
    /// Checks the path before SQLite sees it. Returns true when no (non-empty) file exists yet.
    static func checkPath(_ path: String) throws -> Bool {
        if path == ":memory:" || path.isEmpty { return true }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folder = (path as NSString).deletingLastPathComponent
        let folderPath = folder.isEmpty ? "." : folder
        if exists {
            if isDirectory.boolValue { throw StoreError.isDirectory(path: path) }
            if access(path, R_OK) != 0 { throw StoreError.notReadable(path: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size > 0 {
                // Newer-store detection must read before we refuse for writability, but both are
                // checked before anything is written.
                return false
            }
            if access(path, W_OK) != 0 || access(folderPath, W_OK) != 0 {
                throw StoreError.readOnly(path: path)
            }
            return true
        }
        var folderIsDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folderPath, isDirectory: &folderIsDirectory),
            folderIsDirectory.boolValue
        else {
            throw StoreError.cannotCreate(path: path, reason: "folder \(folderPath) does not exist")
        }
        if access(folderPath, W_OK) != 0 {
            throw StoreError.cannotCreate(path: path, reason: "folder \(folderPath) is not writable")
        }
        return true
    }

    /// Opens the existing file read-only and refuses it if it is not SQLite, or if it has applied
    /// migrations this build does not know. Nothing is written, so a refused file stays byte-identical.
    static func refuseIfNewer(path: String, knownIDs: [String]) throws {
        do {
            let reader = try SQLiteDatabase.reading(path: path)
            let applied = try appliedIDs(reader)
            let unknown = applied.filter { !knownIDs.contains($0) }
            if !unknown.isEmpty {
                throw StoreError.databaseIsNewer(path: path, unknownMigrations: unknown)
            }
        } catch let error as SQLiteError {
            throw translate(error, path: path)
        }
        let folder = (path as NSString).deletingLastPathComponent
        if access(path, W_OK) != 0 || access(folder.isEmpty ? "." : folder, W_OK) != 0 {
            throw StoreError.readOnly(path: path)
        }
    }

    /// Ids in `schema_migrations`, or none when the table does not exist yet.
    static func appliedIDs(_ database: any Database) throws -> [String] {
        let exists = try database.int64(
            sql: database.dialect == .sqlite
                ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                : "SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'")
        guard exists == 1 else { return [] }
        let statement = try database.makeStatement(sql: "SELECT id FROM schema_migrations ORDER BY id")
        var ids: [String] = []
        while try statement.step() { ids.append(statement.string(at: 0)) }
        return ids
    }

    /// Applies pending migrations in order, each with its `schema_migrations` row in one transaction.
    /// An existing SQLite store is first copied with SQLite's online backup API (PostgreSQL runs
    /// each migration's DDL inside its transaction, so a failed one leaves nothing behind).
    static func migrate(
        _ database: any Database, path: String, migrations: [(id: String, sql: String)]
    ) throws -> (applied: [String], backupPath: String?) {
        let applied = try appliedIDs(database)
        let unknown = applied.filter { id in !migrations.contains { $0.id == id } }
        if !unknown.isEmpty {  // another process upgraded the file since our read-only look
            throw StoreError.databaseIsNewer(path: path, unknownMigrations: unknown)
        }
        let pending = migrations.filter { !applied.contains($0.id) }
        guard let first = pending.first else { return ([], nil) }
        var backupPath: String?
        if let file = database as? SQLiteDatabase, !applied.isEmpty, path != ":memory:", !path.isEmpty {
            backupPath = try backup(file, to: freeBackupPath(for: path, before: first.id))
        }
        var done: [String] = []
        for migration in pending {
            // SQLite changes a table's constraints by rebuilding it, which needs foreign keys off
            // (dropping the old table would otherwise cascade); they are checked before the commit.
            let rebuildsTables = database.dialect == .sqlite && migration.sql.hasPrefix(Self.rebuildsTablesMarker)
            if rebuildsTables { try database.execute(sql: "PRAGMA foreign_keys = OFF") }
            defer { if rebuildsTables { try? database.execute(sql: "PRAGMA foreign_keys = ON") } }
            let didApply = try database.inTransaction { () throws -> Bool in
                try database.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)\(database.dialect == .sqlite ? " STRICT" : "")
                        """)
                let check = try database.makeStatement(sql: "SELECT 1 FROM schema_migrations WHERE id = ?")
                try check.bind(migration.id, at: 1)
                if try check.step() { return false }  // applied meanwhile by another process
                try database.execute(sql: migration.sql)
                if rebuildsTables, try database.int64(sql: "SELECT count(*) FROM pragma_foreign_key_check") != 0 {
                    throw StoreError.internalError("migration \(migration.id) would leave rows whose foreign keys point nowhere")
                }
                let record = try database.makeStatement(sql: "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)")
                try record.bind(migration.id, at: 1)
                try record.bind(Self.timestamp(Date()), at: 2)
                try record.execute()
                return true
            }
            if didApply { done.append(migration.id) }
        }
        return (done, backupPath)
    }

    /// The first line of a migration that rebuilds tables (see `migrate`).
    static let rebuildsTablesMarker = "-- nnreg: rebuilds tables"

    /// `2026-11-30T00:50:12.345Z`: when a migration was applied.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// `FILE.backup-before-ID`, or `FILE.backup-before-ID.N` if that exists already.
    static func freeBackupPath(for path: String, before id: String) -> String {
        let base = "\(path).backup-before-\(id)"
        var candidate = base
        var number = 1
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(base).\(number)"
            number += 1
        }
        return candidate
    }

    /// Copies the whole database to `destination` with `sqlite3_backup_*`; returns `destination`.
    static func backup(_ database: SQLiteDatabase, to destination: String) throws -> String {
        let target = try SQLiteDatabase(path: destination)
        guard let backup = sqlite3_backup_init(target.handle, "main", database.handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(target.handle), connection: target.handle)
        }
        let stepCode = sqlite3_backup_step(backup, -1)
        let finishCode = sqlite3_backup_finish(backup)
        guard stepCode == SQLITE_DONE, finishCode == SQLITE_OK else {
            try? FileManager.default.removeItem(atPath: destination)
            throw SQLiteError(code: stepCode == SQLITE_DONE ? finishCode : stepCode, connection: target.handle)
        }
        return destination
    }
}
