import CSQLite
import Foundation

/// A prepared statement. It is finalized when its owner lets go of it.
///
/// Unlike GRDB, a statement keeps the raw `sqlite3*` rather than the `Database` object: the connection
/// caches its hot statements, and a strong reference back would be a retain cycle. The connection is
/// closed with `sqlite3_close_v2`, which waits until every statement is finalized, so this is safe.
final class SQLiteStatement: Statement {
    let handle: OpaquePointer
    let connection: OpaquePointer
    let sql: String

    init(connection: OpaquePointer, sql: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard code == SQLITE_OK, let handle else {
            throw SQLiteError(code: code, connection: connection, sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw SQLiteError(code: code, connection: connection, sql: sql) }
    }

    /// Resets the statement and clears its bindings, ready for a new execution.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Binding (indexes start at 1, as in SQLite)

    func bind(_ value: Int64, at index: Int32) throws { try check(sqlite3_bind_int64(handle, index, value)) }
    func bind(_ value: Double, at index: Int32) throws { try check(sqlite3_bind_double(handle, index, value)) }
    func bind(_ value: String, at index: Int32) throws {
        try check(sqlite3_bind_text(handle, index, value, -1, sqliteTransient))
    }
    func bindNull(at index: Int32) throws { try check(sqlite3_bind_null(handle, index)) }

    /// Binds a blob without copying it. The caller must keep `bytes` valid until the statement has
    /// been stepped and reset (i.e. call this inside `withUnsafeBytes`, then step, then reset).
    func bindNoCopy(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        try check(sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(bytes.count), nil))
    }

    // MARK: Stepping

    /// Steps once; returns true when a row is available.
    @discardableResult
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(code: code, connection: connection, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    // MARK: Columns (indexes start at 0, as in SQLite)

    var columnCount: Int32 { sqlite3_column_count(handle) }
    func columnType(at column: Int32) -> Int32 { sqlite3_column_type(handle, column) }
    func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(at column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func string(at column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        // SQLite knows the length; String(cString:) would measure it again.
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    /// Gives `body` SQLite's own buffer for a blob column (valid only during the call), so a
    /// checksum can be computed before the single copy into `Data`.
    func withBlob<T>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }
}

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies the value before the bind call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
