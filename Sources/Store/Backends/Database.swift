import Foundation

/// The SQL a connection speaks. The Store writes SQL both accept where it can (`?` placeholders,
/// `ON CONFLICT`, `RETURNING`) and asks the dialect where they differ.
enum SQLDialect: Sendable {
    case sqlite, postgresql
}

/// A connection to a store's database: a SQLite file (`SQLiteDatabase`) or a PostgreSQL server
/// (`PostgreSQLDatabase`). The Store talks only to this.
///
/// Not `Sendable`: use a connection from one thread at a time.
protocol Database: AnyObject {
    var dialect: SQLDialect { get }
    /// Prepares a statement owned by the caller.
    func makeStatement(sql: String) throws -> any Statement
    /// Returns a cached prepared statement for `sql`, reset with its bindings cleared.
    func cachedStatement(sql: String) throws -> any Statement
    /// Runs one or more SQL statements that take no arguments (e.g. a migration file).
    func execute(sql: String) throws
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changesCount: Int { get }
    /// Depth of `inTransaction` nesting; 0 outside any transaction.
    var transactionDepth: Int { get set }
    /// True while the connection is inside a transaction (a failed COMMIT may have ended it).
    var isInsideTransaction: Bool { get }
    /// Starts an outermost transaction that only one writer holds at a time: SQLite's `BEGIN
    /// IMMEDIATE` takes the file's write lock, PostgreSQL's takes the store's advisory lock. Both
    /// wait a bounded time for another writer.
    func beginTransaction() throws
    /// Waits for statements sent without waiting (PostgreSQL, inside a transaction) and throws the
    /// first error among them; SQLite runs every statement at once and has none.
    func flushStatements() throws
}

extension Database {
    /// Runs `body` in a transaction (`beginTransaction`, or a savepoint when nested): commits when
    /// `body` returns, rolls back when it throws and rethrows the body's error (not an error from
    /// the rollback).
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "nnreg_\(depth)"
        if depth == 0 {
            try beginTransaction()
        } else {
            try execute(sql: "SAVEPOINT \(savepoint)")
        }
        transactionDepth += 1
        defer { transactionDepth = depth }
        let result: T
        do {
            result = try body()
            try flushStatements()
        } catch {
            if depth == 0 {
                if isInsideTransaction { try? execute(sql: "ROLLBACK") }
            } else {
                try? execute(sql: "ROLLBACK TO \(savepoint)")
                try? execute(sql: "RELEASE \(savepoint)")
            }
            throw error
        }
        do {
            if depth == 0 {
                try cachedStatement(sql: "COMMIT").execute()
                try flushStatements()  // returned means committed
            } else {
                try execute(sql: "RELEASE \(savepoint)")
            }
        } catch {
            if depth == 0, isInsideTransaction { try? execute(sql: "ROLLBACK") }
            throw error
        }
        return result
    }

    /// The first column of the first row of `sql`, as text.
    func string(sql: String) throws -> String? {
        let statement = try makeStatement(sql: sql)
        return try statement.step() ? statement.optionalString(at: 0) : nil
    }

    /// The first column of the first row of `sql`, as an integer.
    func int64(sql: String) throws -> Int64? {
        let statement = try makeStatement(sql: sql)
        return try statement.step() ? statement.optionalInt64(at: 0) : nil
    }
}
