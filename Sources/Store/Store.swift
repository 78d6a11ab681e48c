import Foundation

/// The run registry: one SQLite file holding runs, params, tags, metrics, checkpoints and evaluations.
///
/// `Store(path:)` opens the file (creating it if needed), refuses a store written by a newer nnreg
/// without touching it, backs the file up before applying pending migrations to an existing store,
/// then applies them. Every write is one transaction; `inTransaction(_:)` groups several.
///
/// Not `Sendable`: one `Store` per thread. Several processes may share the file (WAL + busy timeout).
public final class Store {
    let database: Database
    /// The store file's path.
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

    /// Opens or creates the store at `path` and brings its schema up to date.
    public convenience init(path: String) throws {
        try self.init(path: path, migrations: embeddedMigrations)
    }

    /// Opens with an explicit migration list (tests use a prefix to build an older store).
    init(path: String, migrations: [(id: String, sql: String)]) throws {
        let isNewFile = try Self.checkPath(path)
        if !isNewFile {
            try Self.refuseIfNewer(path: path, knownIDs: migrations.map(\.id))
        }
        let database: Database
        do {
            database = try Database(path: path)
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
        guard try !Self.checkPath(path) else { throw StoreError.noStore(path: path) }
        do {
            database = try Database(path: path, readOnly: true)
            let applied = try Self.appliedIDs(database)
            let unknown = applied.filter { !Self.knownMigrationIDs.contains($0) }
            if !unknown.isEmpty { throw StoreError.databaseIsNewer(path: path, unknownMigrations: unknown) }
            let pending = Self.knownMigrationIDs.filter { !applied.contains($0) }
            if !pending.isEmpty { throw StoreError.needsUpgrade(path: path, pendingMigrations: pending) }
        } catch let error as SQLiteError {
            throw Self.translate(error, path: path)
        }
        self.path = path
        isReadOnly = true
        backupPath = nil
        appliedMigrationIDs = []
    }

    /// A number that changes whenever another connection commits to the store (`PRAGMA
    /// data_version`): a reader can keep what it computed while it stays the same.
    public func dataVersion() throws -> Int64 {
        try database.int64(sql: "PRAGMA data_version") ?? 0
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

    /// Maps SQLite's "not a database" and permission codes to `StoreError`s.
    static func translate(_ error: SQLiteError, path: String) -> Error {
        switch error.code {
        case 26: return StoreError.notADatabase(path: path)  // SQLITE_NOTADB
        case 8: return StoreError.readOnly(path: path)  // SQLITE_READONLY
        case 14: return StoreError.cannotCreate(path: path, reason: error.message)  // SQLITE_CANTOPEN
        default: return translateWrite(error, path: path)
        }
    }

    /// Maps the codes a write can hit under contention or on a full disk to `StoreError`s, so that
    /// neither "database is locked" nor "database or disk is full" reaches a user as raw SQLite text.
    static func translateWrite(_ error: SQLiteError, path: String) -> Error {
        switch error.code {
        case 5, 6:  // SQLITE_BUSY (after the busy timeout), SQLITE_LOCKED
            return StoreError.busy(path: path, seconds: Double(Database.busyTimeoutMilliseconds) / 1000)
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
