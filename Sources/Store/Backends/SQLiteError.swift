import CSQLite

/// An error reported by SQLite: its extended result code, its message, and the SQL that failed.
///
/// Bound values are never recorded, so an error can be logged or shown without leaking data.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite's extended result code (for example 2067 = `SQLITE_CONSTRAINT_UNIQUE`).
    public let extendedCode: Int32
    /// SQLite's error message.
    public let message: String
    /// The SQL text of the statement that failed, when there was one.
    public let sql: String?

    /// The primary result code (the low 8 bits of the extended code).
    public var code: Int32 { extendedCode & 0xFF }

    /// Makes a `SQLiteError` from its parts.
    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// Reads the error state of `connection` after a call returned `code`.
    init(code: Int32, connection: OpaquePointer?, sql: String? = nil) {
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        // If the connection's error state no longer matches (e.g. after a reset), fall back to the code.
        let useConnection = connection != nil && (extended & 0xFF) == (code & 0xFF)
        let message =
            useConnection
            ? String(cString: sqlite3_errmsg(connection!))
            : String(cString: sqlite3_errstr(code))
        self.init(extendedCode: useConnection ? extended : code, message: message, sql: sql)
    }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (SQL: \(sql))" }
        return text
    }
}
