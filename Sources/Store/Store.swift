import Foundation
import PostgresClient

/// The run registry: runs, params, tags, metrics, checkpoints, evaluations, output, artifacts and
/// models, in one SQLite file or in a PostgreSQL database.
///
/// `Store(path:)` opens the file (creating it if needed), refuses a store written by a newer nnreg
/// without touching it, backs the file up before applying pending migrations to an existing store,
/// then applies them. Given a `postgresql://USER@HOST[:PORT]/DB` URL instead, it connects to that
/// database and applies the same migrations in PostgreSQL's dialect (each in a transaction, so no
/// backup is needed). Every write is one transaction; `inTransaction(_:)` groups several.
///
/// Not `Sendable`: one `Store` per thread. Several processes (on several hosts, for PostgreSQL) may
/// share a store; writers take turns.
public final class Store {
    let database: any Database
    /// The store file's path, or its PostgreSQL URL without the password.
    public let path: String
    /// Where the pre-migration backup was written during this open, if one was.
    public let backupPath: String?
    /// Migration ids applied during this open (empty when the store was up to date).
    public let appliedMigrationIDs: [String]
    /// Opened with `Store(readingOnly:)`: nothing is ever written through this connection.
    public let isReadOnly: Bool
    /// Metric key → `metric_keys.id`, filled as keys are used. Cleared when a transaction rolls back,
    /// since an id inserted inside it is gone.
    var metricKeyIDs: [String: Int64] = [:]

    /// The migration ids this build carries, in order (from `migrations/*.sql`).
    public static let knownMigrationIDs: [String] = embeddedMigrations.map(\.id)

    /// True when `location` names a PostgreSQL database rather than a file.
    public static func isServerLocation(_ location: String) -> Bool { PostgresLocation.isURL(location) }

    /// Opens or creates the store at `path` (a file, or a `postgresql://` URL) and brings its schema
    /// up to date.
    public convenience init(path: String) throws {
        if PostgresLocation.isURL(path) {
            try self.init(location: try Self.postgresLocation(path), migrations: embeddedPostgresMigrations)
        } else {
            try self.init(path: path, migrations: embeddedMigrations)
        }
    }

    /// `location` as it may be printed: a PostgreSQL URL without its password (even one that does
    /// not parse), a path as it is.
    public static func shownLocation(_ location: String) -> String {
        guard PostgresLocation.isURL(location) else { return location }
        return (try? PostgresLocation(url: location, environment: [:]).description) ?? PostgresLocation.redact(location)
    }

    /// True when the PostgreSQL database at `url` holds a store (has applied migrations). Writes nothing.
    public static func serverStoreExists(_ url: String) throws -> Bool {
        let database = try PostgreSQLDatabase(location: try postgresLocation(url), readOnly: true)
        return try !appliedIDs(database).isEmpty
    }

    static func postgresLocation(_ url: String) throws -> PostgresLocation {
        do {
            return try PostgresLocation(url: url)
        } catch let error as PostgresClientError {
            throw StoreError.badLocation(error.message)
        }
    }

    /// Connects to the PostgreSQL database at `location` and applies `migrations` (tests use a prefix).
    init(location: PostgresLocation, migrations: [(id: String, sql: String)]) throws {
        let database = try PostgreSQLDatabase(location: location, readOnly: false)
        self.database = database
        path = location.description
        isReadOnly = false
        (appliedMigrationIDs, backupPath) = try Self.migrate(database, path: path, migrations: migrations)
    }

    /// Opens with an explicit migration list (tests use a prefix to build an older store).
    init(path: String, migrations: [(id: String, sql: String)]) throws {
        let isNewFile = try Self.checkPath(path)
        if !isNewFile {
            try Self.refuseIfNewer(path: path, knownIDs: migrations.map(\.id))
        }
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: path)
            try database.configureForWriting()
        } catch let error as SQLiteError {
            throw Self.translate(error, path: path)
        }
        self.database = database
        self.path = path
        isReadOnly = false
        (appliedMigrationIDs, backupPath) = try Self.migrate(database, path: path, migrations: migrations)
    }

    /// Opens an existing store for reading only (the web server): nothing is written, nothing is
    /// migrated. Refuses a store from a newer nnreg (`databaseIsNewer`) and one an older nnreg wrote
    /// that still needs upgrading (`needsUpgrade`), each with what to do.
    public init(readingOnly path: String) throws {
        let database: any Database
        let shownPath: String
        do {
            if PostgresLocation.isURL(path) {
                let location = try Self.postgresLocation(path)
                shownPath = location.description
                database = try PostgreSQLDatabase(location: location, readOnly: true)
            } else {
                shownPath = path
                guard try !Self.checkPath(path) else { throw StoreError.noStore(path: path) }
                database = try SQLiteDatabase.reading(path: path)
            }
            let applied = try Self.appliedIDs(database)
            if applied.isEmpty, database.dialect == .postgresql { throw StoreError.noStore(path: shownPath) }
            let unknown = applied.filter { !Self.knownMigrationIDs.contains($0) }
            if !unknown.isEmpty { throw StoreError.databaseIsNewer(path: shownPath, unknownMigrations: unknown) }
            let pending = Self.knownMigrationIDs.filter { !applied.contains($0) }
            if !pending.isEmpty { throw StoreError.needsUpgrade(path: shownPath, pendingMigrations: pending) }
        } catch let error as SQLiteError {
            throw Self.translate(error, path: path)
        }
        self.database = database
        self.path = shownPath
        isReadOnly = true
        backupPath = nil
        appliedMigrationIDs = []
    }

    /// A number that changes whenever another connection commits to the store (`PRAGMA
    /// data_version`): a reader can keep what it computed while it stays the same.
    /// On PostgreSQL it is the server's write-ahead log insert position, which any commit moves forward at
    /// once (the write position can lag behind a commit when commits are not flushed).
    /// Prepared once per connection: servers ask before every answer.
    public func dataVersion() throws -> Int64 {
        let statement = try database.cachedStatement(sql: database.dialect == .sqlite
            ? "PRAGMA data_version" : "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")
        defer { statement.reset() }
        return try statement.step() ? statement.int64(at: 0) : 0
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE`, or a savepoint when nested): it commits when
    /// `body` returns and rolls back when it throws. Store methods called inside join it.
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        do {
            return try database.inTransaction(body)
        } catch let error as SQLiteError {
            metricKeyIDs.removeAll()
            throw Self.translateWrite(error, path: path)
        } catch {
            metricKeyIDs.removeAll()
            throw error
        }
    }

    /// Steps an `INSERT … RETURNING id` and returns the id of the row it inserted.
    func insertedID(_ insert: any Statement) throws -> Int64 {
        defer { insert.reset() }
        guard try insert.step() else { throw StoreError.internalError("no id returned by: \(insert.sql)") }
        return insert.int64(at: 0)
    }

    /// Maps SQLite's "not a database" and permission codes to `StoreError`s.
    static func translate(_ error: SQLiteError, path: String) -> Error {
        switch error.code {
        case 26: return StoreError.notADatabase(path: path)  // SQLITE_NOTADB
        case 8: return StoreError.readOnly(path: path)  // SQLITE_READONLY
        case 14: return StoreError.cannotCreate(path: path, reason: error.message)  // SQLITE_CANTOPEN
        default: return translateWrite(error, path: path)
        }
    }

    /// Caps this connection's SQLite page cache (a long-running server that writes small
    /// transactions needs little of it: the file stays in the system's cache either way). No
    /// effect on PostgreSQL.
    public func limitPageCache(megabytes: Int) throws {
        guard database.dialect == .sqlite else { return }
        try database.execute(sql: "PRAGMA cache_size = -\(megabytes * 1_024)")
    }

    /// Maps the codes a write can hit under contention or on a full disk to `StoreError`s, so that
    /// neither "database is locked" nor "database or disk is full" reaches a user as raw SQLite text.
    static func translateWrite(_ error: SQLiteError, path: String) -> Error {
        switch error.code {
        case 5, 6:  // SQLITE_BUSY (after the busy timeout), SQLITE_LOCKED
            return StoreError.busy(path: path, seconds: Double(SQLiteDatabase.busyTimeoutMilliseconds) / 1000)
        case 13: return StoreError.diskFull(path: path)  // SQLITE_FULL
        case 10 where error.message.localizedCaseInsensitiveContains("no space"):  // SQLITE_IOERR from ENOSPC
            return StoreError.diskFull(path: path)
        default: return error
        }
    }
}

/// Kept for the CLI skeleton, which prints the migration ids; prefer `Store.knownMigrationIDs`.
public enum StoreInfo {
    /// The migration ids this build carries (`Store.knownMigrationIDs`).
    public static let migrationIDs = Store.knownMigrationIDs
}
