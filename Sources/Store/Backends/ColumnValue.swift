import Foundation

/// A column's value as the backend typed it, so that a row can be written to another store, or
/// hashed, exactly as it was read: an integer stays an integer and a REAL keeps every bit, whatever
/// the column's declared type (`copyRuns` moves runs between stores this way).
enum ColumnValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// Reads column `column` of the statement's current row (type codes as SQLite's: 1 integer,
    /// 2 float, 3 text, 4 blob, 5 null). Only for columns declared INTEGER, REAL or TEXT (STRICT
    /// tables hold no blob there); blob columns are copied with `bindNoCopy` instead.
    init(_ statement: Statement, at column: Int32) {
        switch statement.columnType(at: column) {
        case ColumnType.integer: self = .integer(statement.int64(at: column))
        case ColumnType.float: self = .real(statement.double(at: column))
        case ColumnType.text: self = .text(statement.string(at: column))
        case ColumnType.null: self = .null
        default: preconditionFailure("a blob in column \(column) of \(statement.sql), which declares no blob")
        }
    }

    /// Reads `count` columns from `first` on.
    static func row(_ statement: Statement, from first: Int32 = 0, count: Int) -> [ColumnValue] {
        (0..<Int32(count)).map { ColumnValue(statement, at: first + $0) }
    }

    /// Binds the value to parameter `index`.
    func bind(to statement: Statement, at index: Int32) throws {
        switch self {
        case .null: try statement.bindNull(at: index)
        case .integer(let value): try statement.bind(value, at: index)
        case .real(let value): try statement.bind(value, at: index)
        case .text(let value): try statement.bind(value, at: index)
        }
    }

    /// The value as an integer, if it is one.
    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value as text, if it is text.
    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}
