import Foundation
import RunFilter
import Store

/// A `--where` filter and a sort order over run summaries: what `nnreg list` and the web runs page
/// both apply, so a filter means the same in a terminal and a browser.
public struct RunQuery: Sendable {
    public let expression: WhereExpression?
    public let sortField: String
    public let isDescending: Bool

    /// An unknown field, named with the fields that exist.
    public struct UnknownField: Error, CustomStringConvertible {
        public let field: String
        public let known: [String]
        public var description: String { "unknown field '\(field)'; known fields: \(known.joined(separator: ", "))" }
    }

    /// Parses the filter (throws the parser's error, which names the column) and the sort text
    /// (`FIELD`, `FIELD asc|desc`, `FIELD:desc` or `-FIELD`).
    public init(where filter: String?, sort: String = "id desc") throws {
        expression = try filter.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try WhereParser.parse($0) }
        (sortField, isDescending) = Self.parseSort(sort)
    }

    public static func parseSort(_ text: String) -> (field: String, isDescending: Bool) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == ":" }).map(String.init)
        guard let first = parts.first else { return ("id", true) }
        if first.hasPrefix("-") { return (String(first.dropFirst()), true) }
        return (first, parts.count > 1 && parts[1].lowercased() == "desc")
    }

    /// Whether applying the query changes the store's own order (newest first, all runs).
    public var isIdentity: Bool { expression == nil && sortField == "id" && isDescending }

    /// The runs that match, sorted; runs without the sort field go last, ties newest first. Throws
    /// `UnknownField` when the filter or sort names a field no run has.
    public func apply(to summaries: [RunSummary], now: Date = Date()) throws -> [RunSummary] {
        if isIdentity { return summaries }
        var runs = summaries.map { (summary: $0, row: RunFields.row($0, now: now)) }
        var known = Set(RunFields.builtIn)
        for run in runs { known.formUnion(run.row.keys) }
        for field in (expression?.fields ?? []) + [sortField] where !known.contains(field) {
            throw UnknownField(field: field, known: known.sorted())
        }
        if let expression { runs = runs.filter { expression.matches($0.row) } }
        let (field, isDescending) = (sortField, self.isDescending)
        runs.sort { lhs, rhs in
            switch (lhs.row[field], rhs.row[field]) {
            case (nil, nil): return lhs.summary.id > rhs.summary.id
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?): return a == b ? lhs.summary.id > rhs.summary.id : (isDescending ? a > b : a < b)
            }
        }
        return runs.map(\.summary)
    }
}
