/// A parsed `--where` filter: comparisons on run fields joined by `and`, `or`, `not` and parentheses,
/// e.g. `test_accuracy > 0.93 and (batch_size = 256 or name = 'seed-1')`.
public indirect enum WhereExpression: Equatable, Sendable {
    case comparison(field: String, op: ComparisonOperator, value: FieldValue)
    case and(WhereExpression, WhereExpression)
    case or(WhereExpression, WhereExpression)
    case not(WhereExpression)

    /// Every field the expression names, so callers can reject unknown ones before filtering.
    public var fields: [String] {
        switch self {
        case .comparison(let field, _, _): [field]
        case .and(let lhs, let rhs), .or(let lhs, let rhs): lhs.fields + rhs.fields
        case .not(let inner): inner.fields
        }
    }

    /// Whether a row matches; a field the row lacks makes its comparison false.
    public func matches(_ row: [String: FieldValue]) -> Bool {
        matches { row[$0] }
    }

    /// Whether the row whose fields `value(field)` gives matches (nil: the row lacks the field, and
    /// its comparison is false). Reads only the fields the expression names, when it needs them.
    public func matches(_ value: (String) -> FieldValue?) -> Bool {
        switch self {
        case .comparison(let field, let op, let expected):
            guard let actual = value(field) else { return false }
            return op.holds(actual, expected)
        case .and(let lhs, let rhs): return lhs.matches(value) && rhs.matches(value)
        case .or(let lhs, let rhs): return lhs.matches(value) || rhs.matches(value)
        case .not(let inner): return !inner.matches(value)
        }
    }
}

/// A value a run field holds or a filter compares against.
public enum FieldValue: Equatable, Comparable, Sendable, CustomStringConvertible {
    case number(Double)
    case text(String)

    public var description: String {
        switch self {
        case .number(let value): value.formatted()
        case .text(let text): text
        }
    }

    public static func < (lhs: FieldValue, rhs: FieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): a < b
        default: lhs.description < rhs.description
        }
    }
}

public enum ComparisonOperator: String, CaseIterable, Sendable {
    case equal = "=", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"

    public func holds(_ lhs: FieldValue, _ rhs: FieldValue) -> Bool {
        let (a, b) = Self.coerce(lhs, rhs)
        switch self {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        }
    }

    /// Text that spells a number compares as that number, so `seed = '3'` and `seed = 3` agree.
    private static func coerce(_ lhs: FieldValue, _ rhs: FieldValue) -> (FieldValue, FieldValue) {
        switch (lhs, rhs) {
        case (.number, .text(let text)):
            if let number = Double(text) { return (lhs, .number(number)) }
        case (.text(let text), .number):
            if let number = Double(text) { return (.number(number), rhs) }
        default: break
        }
        return (lhs, rhs)
    }
}

public extension Double {
    /// Shortest text that reads back as the same value: `0.93`, `256`, `1e-05`.
    func formatted() -> String {
        if self == rounded(), abs(self) < 1e15 { return String(Int64(self)) }
        return "\(self)"
    }
}
