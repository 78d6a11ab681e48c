import Foundation
import PostgresClient

/// A statement on PostgreSQL that behaves as a SQLite one: `?` and `?N` placeholders (sent as `$N`),
/// bindings kept until `reset()`, and rows stepped one at a time. The query runs at the first
/// `step()` and its rows arrive together.
final class PostgreSQLStatement: Statement {
    let sql: String
    /// `sql` with PostgreSQL's placeholders.
    let serverSQL: String
    private unowned let database: PostgreSQLDatabase
    private var binds: [PostgresValue]
    private var rows: PostgresRows?
    private var row = -1

    init(database: PostgreSQLDatabase, sql: String) {
        self.database = database
        self.sql = sql
        let (text, count) = Self.placeholders(sql)
        serverSQL = text
        binds = Array(repeating: .null, count: count)
    }

    /// Rewrites `?` (numbered in order) and `?N` as `$N` outside quotes and comments; returns the
    /// text and the number of parameters.
    static func placeholders(_ sql: String) -> (String, Int) {
        var output = "", quote: Character? = nil, inLineComment = false
        var next = 1, highest = 0
        var characters = sql.makeIterator()
        var pending: Character? = nil
        var previous: Character = " "
        while let character = pending ?? characters.next() {
            pending = nil
            defer { previous = character }
            if inLineComment {
                if character == "\n" { inLineComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                inLineComment = true
            } else if character == "?" {
                var digits = ""
                while let digit = characters.next() {
                    if digit.isASCII && digit.isNumber {
                        digits.append(digit)
                    } else {
                        pending = digit
                        break
                    }
                }
                let number = Int(digits) ?? next
                if digits.isEmpty { next += 1 } else { next = number + 1 }
                highest = max(highest, number)
                output += "$\(number)"
                continue
            }
            output.append(character)
        }
        return (output, highest)
    }

    func reset() {
        rows = nil
        row = -1
        for index in binds.indices { binds[index] = .null }
    }

    private func set(_ value: PostgresValue, at index: Int32) throws {
        guard index >= 1, Int(index) <= binds.count else {
            throw StoreError.internalError("parameter \(index) of \(binds.count) in: \(sql)")
        }
        binds[Int(index) - 1] = value
    }

    func bind(_ value: Int64, at index: Int32) throws { try set(.integer(value), at: index) }
    func bind(_ value: Double, at index: Int32) throws { try set(.real(value), at: index) }
    func bind(_ value: String, at index: Int32) throws { try set(.text(value), at: index) }
    func bindNull(at index: Int32) throws { try set(.null, at: index) }
    func bindNoCopy(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws { try set(.bytes(Array(bytes)), at: index) }
    /// Binds an array, for statements that send many rows at once (`unnest(?::bigint[], …)`).
    func bind(array value: PostgresValue, at index: Int32) throws { try set(value, at: index) }

    @discardableResult
    func step() throws -> Bool {
        if rows == nil {
            rows = try database.run(serverSQL, binds)
            row = -1
        }
        row += 1
        return row < rows!.count
    }

    /// Sent without waiting inside a transaction (its rows are not read).
    func execute() throws {
        defer { reset() }
        try database.send(serverSQL, binds)
    }

    var columnCount: Int32 { Int32(rows?.columnCount ?? 0) }

    private func value(_ column: Int32) -> PostgresValue {
        guard let rows, row >= 0, row < rows.count, column >= 0, Int(column) < rows.columnCount else { return .null }
        return rows[row, Int(column)]
    }

    func columnType(at column: Int32) -> Int32 {
        switch value(column) {
        case .null: return ColumnType.null
        case .integer: return ColumnType.integer
        case .real: return ColumnType.float
        case .text: return ColumnType.text
        case .bytes: return ColumnType.blob
        case .integers, .reals, .texts: return ColumnType.text
        }
    }

    func int64(at column: Int32) -> Int64 {
        switch value(column) {
        case .integer(let value): return value
        case .real(let value): return Int64(exactly: value.rounded(.towardZero)) ?? 0
        case .text(let value): return Int64(value) ?? 0
        default: return 0
        }
    }

    func double(at column: Int32) -> Double {
        switch value(column) {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let value): return Double(value) ?? 0
        default: return 0
        }
    }

    func string(at column: Int32) -> String {
        switch value(column) {
        case .text(let value): return value
        case .integer(let value): return String(value)
        case .real(let value): return "\(value)"
        case .bytes(let value): return String(decoding: value, as: UTF8.self)
        default: return ""
        }
    }

    /// An array column (`array_agg` of bigints, or of doubles read as `reals(at:)`); empty for NULL.
    func integers(at column: Int32) -> [Int64] { value(column).integers }
    func reals(at column: Int32) -> [Double] { value(column).reals }

    func withBlob<T>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        switch value(column) {
        case .bytes(let value): return try value.withUnsafeBytes(body)
        case .text(let value): return try Array(value.utf8).withUnsafeBytes(body)
        default: return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
