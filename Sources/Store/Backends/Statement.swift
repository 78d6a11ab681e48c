import Foundation

/// A prepared statement of either backend: bind values by index (from 1), step through rows, read
/// columns by index (from 0). SQLite's statements are the model; PostgreSQL's follow them.
///
/// Not `Sendable`: a statement belongs to its connection's thread.
protocol Statement: AnyObject {
    /// The SQL it was prepared from (shown in errors, never with bound values).
    var sql: String { get }

    /// Resets the statement and clears its bindings, ready for a new execution.
    func reset()

    func bind(_ value: Int64, at index: Int32) throws
    func bind(_ value: Double, at index: Int32) throws
    func bind(_ value: String, at index: Int32) throws
    func bindNull(at index: Int32) throws
    /// Binds a blob. SQLite keeps the pointer, so the caller must keep `bytes` valid until the
    /// statement has been stepped and reset (call this inside `withUnsafeBytes`, step, reset).
    func bindNoCopy(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws

    /// Steps once; returns true when a row is available.
    @discardableResult
    func step() throws -> Bool

    /// Runs the statement to completion, ignoring any rows, then resets it (PostgreSQL may send it
    /// without waiting; see `PostgreSQLDatabase.send`).
    func execute() throws

    var columnCount: Int32 { get }
    /// SQLite's fundamental type of a column of the current row: `SQLITE_INTEGER` (1), `SQLITE_FLOAT`
    /// (2), `SQLITE_TEXT` (3), `SQLITE_BLOB` (4) or `SQLITE_NULL` (5).
    func columnType(at column: Int32) -> Int32
    func int64(at column: Int32) -> Int64
    func double(at column: Int32) -> Double
    func string(at column: Int32) -> String
    /// Gives `body` the bytes of a blob column (valid only during the call), so a checksum can be
    /// computed before the single copy into `Data`.
    func withBlob<T>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T
}

/// The column types `columnType(at:)` answers (SQLite's codes).
enum ColumnType {
    static let integer: Int32 = 1
    static let float: Int32 = 2
    static let text: Int32 = 3
    static let blob: Int32 = 4
    static let null: Int32 = 5
}

extension Statement {
    func bind(_ value: Int, at index: Int32) throws { try bind(Int64(value), at: index) }
    func bind(_ value: Int64?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }
    func bind(_ value: Int?, at index: Int32) throws {
        if let value { try bind(Int64(value), at: index) } else { try bindNull(at: index) }
    }
    func bind(_ value: Double?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }
    func bind(_ value: String?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }
    func bind(_ value: Date?, at index: Int32) throws { try bind(value?.timeIntervalSince1970, at: index) }

    /// Runs the statement to completion, ignoring any rows, then resets it.
    func execute() throws {
        defer { reset() }
        while try step() {}
    }

    func isNull(at column: Int32) -> Bool { columnType(at: column) == ColumnType.null }
    func int(at column: Int32) -> Int { Int(int64(at: column)) }
    func optionalInt64(at column: Int32) -> Int64? { isNull(at: column) ? nil : int64(at: column) }
    func optionalInt(at column: Int32) -> Int? { isNull(at: column) ? nil : int(at: column) }
    func optionalDouble(at column: Int32) -> Double? { isNull(at: column) ? nil : double(at: column) }
    /// A metric point's value: SQLite stores NaN as NULL (migration 0008), PostgreSQL as NaN.
    func metricValue(at column: Int32) -> Double { isNull(at: column) ? .nan : double(at: column) }
    func optionalString(at column: Int32) -> String? { isNull(at: column) ? nil : string(at: column) }
    func date(at column: Int32) -> Date { Date(timeIntervalSince1970: double(at: column)) }
    func optionalDate(at column: Int32) -> Date? { isNull(at: column) ? nil : date(at: column) }
}
