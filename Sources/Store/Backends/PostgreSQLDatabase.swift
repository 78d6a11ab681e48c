import Foundation
import PostgresClient

/// A connection to a store on a PostgreSQL server, speaking to the Store as a SQLite connection
/// does: statements with `?` placeholders, stepped row by row, and one writer at a time.
///
/// One writer at a time: every outermost transaction takes the same transaction-level advisory
/// lock first, as SQLite's `BEGIN IMMEDIATE` takes the file's write lock, so every read-then-write
/// in the Store (the next model version, a run's next output chunk) sees the same world it would
/// on SQLite. Readers never take it and never wait.
///
/// Commits are `synchronous_commit = off`, the equivalent of SQLite's WAL with `synchronous =
/// NORMAL`: a committed transaction survives the writer's death, and only a crash of the server's
/// machine can lose the last fraction of a second of commits (never half of one).
final class PostgreSQLDatabase: Database {
    let session: PostgresSession
    let location: PostgresLocation
    var dialect: SQLDialect { .postgresql }
    /// Statements sent inside a transaction whose answers have not been read yet (see `send`).
    private var pending: [PendingRows] = []
    private var lastChanges = 0
    private var statementCache: [String: PostgreSQLStatement] = [:]
    var transactionDepth = 0

    /// The advisory lock every write transaction holds ("nnreg" in ASCII).
    static let writerLock: Int64 = 0x6e_6e72_6567
    /// How long a writer waits for another's transaction, as SQLite's busy timeout.
    static let lockTimeoutMilliseconds = SQLiteDatabase.busyTimeoutMilliseconds

    init(location: PostgresLocation, readOnly: Bool) throws {
        self.location = location
        do {
            session = try PostgresSession(location: location)
        } catch let error as PostgresClientError {
            throw StoreError.cannotConnect(location: location.description, reason: error.message)
        }
        var settings = [
            "SET lock_timeout = \(Self.lockTimeoutMilliseconds)", "SET synchronous_commit = off",
            "SET client_min_messages = warning",
        ]
        if readOnly { settings.append("SET default_transaction_read_only = on") }
        for setting in settings { _ = try run(setting, []) }
    }

    /// Runs one statement and waits for its rows (after those sent before it); errors become
    /// `StoreError`s where the Store has a name for them.
    func run(_ sql: String, _ binds: [PostgresValue]) throws -> PostgresRows {
        try flushStatements()
        do {
            let rows = try session.query(sql, binds)
            lastChanges = rows.affectedRows
            return rows
        } catch let error as PostgresClientError {
            throw translate(error)
        }
    }

    /// Inside a transaction, sends a statement whose rows nobody reads without waiting for it: a
    /// display step's inserts and updates follow each other on the event loop without waking this
    /// thread in between (postgres-nio still sends them one at a time). Its
    /// error, if any, comes out of the next statement that waits, or at the latest of the commit
    /// (`flushStatements`), inside the same transaction, which then rolls back.
    func send(_ sql: String, _ binds: [PostgresValue]) throws {
        guard transactionDepth > 0 else {
            _ = try run(sql, binds)
            return
        }
        pending.append(session.send(sql, binds))
    }

    /// Waits for every statement sent and not yet answered; throws the first error among them.
    func flushStatements() throws {
        guard !pending.isEmpty else { return }
        let sent = pending
        pending = []
        var firstError: Error?
        for answer in sent {
            do {
                lastChanges = try answer.wait().affectedRows
            } catch let error as PostgresClientError {
                firstError = firstError ?? translate(error)
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// Rows changed by the last statement (waiting for those sent).
    var changesCount: Int {
        // An error here is the transaction's: the statement after this one, or the commit, reports
        // it again (PostgreSQL refuses everything in a failed transaction).
        try? flushStatements()
        return lastChanges
    }

    private func translate(_ error: PostgresClientError) -> Error {
        let path = location.description
        // Class 08 (connection exception) and 57P0x (the server shut down or ended this session).
        let state = error.sqlState ?? ""
        if error.isConnectionLost || state.hasPrefix("08") || state.hasPrefix("57P0") {
            return StoreError.connectionLost(location: path, reason: error.message)
        }
        switch error.sqlState {
        case "55P03", "40P01":  // lock_not_available (lock_timeout), deadlock_detected
            return StoreError.busy(path: path, seconds: Double(Self.lockTimeoutMilliseconds) / 1000)
        case "53100": return StoreError.diskFull(path: path)  // disk_full
        case "25006": return StoreError.readOnly(path: path)  // read_only_sql_transaction
        default: return error
        }
    }

    /// Stores one display step with `nnreg_log_points` (migration 0006): its points (distinct keys),
    /// each key's latest point and, with `heartbeatAt`, the run's progress, in one statement and one
    /// round trip. Outside a transaction the statement is its own.
    func logPoints(
        runID: Int64, step: Int, keyIDs: [Int64], values: [Double], wallTime: Double, heartbeatAt: Double?
    ) throws {
        do {
            _ = try run(
                "SELECT nnreg_log_points($1::bigint, $2::bigint, $3::bigint[], $4::float8[], $5::float8, $6::float8)",
                [.integer(runID), .integer(Int64(step)), .integers(keyIDs), .reals(values), .real(wallTime),
                 heartbeatAt.map { .real($0) } ?? .null])
        } catch let error as PostgresClientError where error.sqlState == "NNR01" {
            throw StoreError.runNotFound(String(runID))
        }
    }

    // MARK: Statements

    func makeStatement(sql: String) throws -> any Statement {
        PostgreSQLStatement(database: self, sql: sql)
    }

    func cachedStatement(sql: String) throws -> any Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = PostgreSQLStatement(database: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs the statements of `sql` one by one (the extended protocol takes one at a time).
    func execute(sql: String) throws {
        // A rollback first waits out what was sent, whose errors it is undoing.
        if sql.hasPrefix("ROLLBACK") { try? flushStatements() }
        for statement in Self.splitStatements(sql) { _ = try run(statement, []) }
    }

    /// Splits a script at semicolons outside quotes, `$$` bodies and `--` comments.
    static func splitStatements(_ sql: String) -> [String] {
        var statements: [String] = [], current = ""
        var quote: Character? = nil, inLineComment = false, inDollarBody = false
        var previous: Character = " "
        for character in sql {
            var next = character
            if inLineComment {
                if character == "\n" { inLineComment = false }
            } else if inDollarBody {
                if character == "$" && previous == "$" { inDollarBody = false; next = " " }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "-" && previous == "-" {
                inLineComment = true
            } else if character == "$" && previous == "$" {
                inDollarBody = true
                next = " "
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == ";" {
                statements.append(current)
                current = ""
                previous = " "
                continue
            }
            current.append(character)
            previous = next
        }
        statements.append(current)
        return statements.filter { text in
            text.split(separator: "\n").contains { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return !trimmed.isEmpty && !trimmed.hasPrefix("--")
            }
        }
    }

    // MARK: Transactions

    /// PostgreSQL ends a transaction whose COMMIT failed, and a ROLLBACK outside one only warns.
    var isInsideTransaction: Bool { transactionDepth > 0 }

    /// `BEGIN`, then the writers' advisory lock (held until the transaction ends), both sent
    /// without waiting: a lock not granted within the timeout fails the transaction's next statement.
    func beginTransaction() throws {
        try flushStatements()
        pending.append(session.send("BEGIN"))
        pending.append(session.send("SELECT pg_advisory_xact_lock(\(Self.writerLock))"))
    }
}
