import CSQLite
import Foundation

/// A connection to one SQLite database (the `Database` of a store file). It owns the `sqlite3*` and caches hot statements.
///
/// Not `Sendable`: use a connection from one thread at a time (it is opened with `NOMUTEX`).
final class SQLiteDatabase: Database {
    let handle: OpaquePointer
    let path: String
    var dialect: SQLDialect { .sqlite }
    private var statementCache: [String: SQLiteStatement] = [:]
    var transactionDepth = 0

    /// How long a writer waits for another process's lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Opens `path`. Read-only connections never write anything (no pragmas that write).
    init(path: String, readOnly: Bool = false) throws {
        var handle: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(code: code, connection: handle)
            sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
        if readOnly {
            // A reader (the web server) keeps pages mapped and cached instead of pread-ing them again
            // for every request; neither setting writes anything.
            try? execute(sql: "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -65536")
        }
    }

    /// A read-only connection to `path` that can read now. A writer killed in the middle of a
    /// transaction made before write-ahead logging was on (creating the store) leaves a hot rollback
    /// journal, which only a read-write connection may roll back: a read-only one gets
    /// `SQLITE_READONLY_ROLLBACK`, every time. A read-write connection rolls it back first, which
    /// restores the database to its last commit.
    static func reading(path: String) throws -> SQLiteDatabase {
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        do {
            _ = try reader.int64(sql: "PRAGMA schema_version")
            return reader
        } catch let error as SQLiteError where error.extendedCode == SQLITE_READONLY | 3 << 8 {  // SQLITE_READONLY_ROLLBACK
            _ = try SQLiteDatabase(path: path).int64(sql: "PRAGMA schema_version")
            return try SQLiteDatabase(path: path, readOnly: true)
        }
    }

    deinit {
        statementCache.removeAll()
        // close_v2 defers the real close until statements still alive elsewhere are finalized.
        sqlite3_close_v2(handle)
    }

    /// Turns on the settings every read-write connection uses: foreign keys, WAL, `synchronous=NORMAL`.
    /// Throws if SQLite does not answer `wal` (or `memory` for an in-memory database).
    func configureForWriting() throws {
        // SQLite quietly falls back to read-only when the file cannot be opened for writing (an
        // immutable file, a read-only mount); stop here, before WAL would leave -wal/-shm files behind.
        if sqlite3_db_readonly(handle, "main") == 1 { throw StoreError.readOnly(path: path) }
        try execute(sql: "PRAGMA foreign_keys = ON")
        let mode = try string(sql: "PRAGMA journal_mode = WAL")?.lowercased() ?? ""
        guard mode == "wal" || (mode == "memory" && (path == ":memory:" || path.isEmpty)) else {
            throw StoreError.walUnavailable(path: path, journalMode: mode)
        }
        try execute(sql: "PRAGMA synchronous = NORMAL")
        // A writer's transaction of a second of tracked output (a few hundred thousand points) fits in
        // the page cache instead of spilling to the WAL half-way; pages are taken only as needed.
        try execute(sql: "PRAGMA cache_size = -65536")
    }

    // MARK: Statements

    /// Prepares a statement owned by the caller.
    func makeStatement(sql: String) throws -> any Statement {
        try SQLiteStatement(connection: handle, sql: sql)
    }

    /// Returns a cached prepared statement for `sql`, reset with its bindings cleared.
    func cachedStatement(sql: String) throws -> any Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try SQLiteStatement(connection: handle, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs one or more SQL statements that take no arguments (e.g. a migration file).
    func execute(sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changesCount: Int { Int(sqlite3_changes64(handle)) }
    var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// `BEGIN IMMEDIATE`: the writer takes the lock up front and waits for it with the busy timeout,
    /// instead of failing at its first write.
    func beginTransaction() throws {
        try cachedStatement(sql: "BEGIN IMMEDIATE").execute()
    }

    func flushStatements() throws {}
}
