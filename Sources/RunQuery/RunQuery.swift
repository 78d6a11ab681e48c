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

    /// Every field the filter and the sort name.
    public var fields: Set<String> { Set((expression?.fields ?? []) + [sortField]) }

    /// Whether applying the query changes the store's own order (newest first, all runs).
    public var isIdentity: Bool { expression == nil && sortField == "id" && isDescending }

    /// The filter and sort for `Store.selectRuns`, when every field they name is a number SQL reads
    /// as Swift does (`RunFields.number`) and every value compared is a number (or text that spells
    /// one, as `ComparisonOperator` coerces it; the store declines infinities and NaN); nil otherwise
    /// (names, status, times, tags).
    public var selection: (condition: RunCondition?, sort: RunNumber)? {
        func condition(_ expression: WhereExpression) -> RunCondition? {
            switch expression {
            case .comparison(let field, let op, let value):
                guard let number = RunFields.number(field) else { return nil }
                switch value {
                case .number(let value): return .compare(number, op, value)
                case .text(let text): return Double(text).map { .compare(number, op, $0) }
                }
            case .and(let lhs, let rhs): return condition(lhs).flatMap { lhs in condition(rhs).map { .and(lhs, $0) } }
            case .or(let lhs, let rhs): return condition(lhs).flatMap { lhs in condition(rhs).map { .or(lhs, $0) } }
            case .not(let inner): return condition(inner).map { .not($0) }
            }
        }
        guard let sort = RunFields.number(sortField) else { return nil }
        guard let expression else { return (nil, sort) }
        return condition(expression).map { ($0, sort) }
    }

    /// The runs that match, sorted; runs without the sort field go last, ties newest first. Throws
    /// `UnknownField` when the filter or sort names a field no run has.
    public func apply(to summaries: [RunSummary], now: Date = Date()) throws -> [RunSummary] {
        if isIdentity { return summaries }
        return try matchingIndices(in: summaries, now: now).map { summaries[$0] }
    }

    /// The positions in `summaries` of the runs that match, in `apply`'s order: a page of 50 out of
    /// 10,000 copies only its own summaries.
    public func matchingIndices(in summaries: [RunSummary], now: Date = Date()) throws -> [Int] {
        if isIdentity { return Array(summaries.indices) }
        let fields = Set((expression?.fields ?? []) + [sortField])
        for field in fields where !RunFields.builtIn.contains(field) {
            let isHeld = field.hasPrefix("tag.")
                ? summaries.contains { $0.tags[String(field.dropFirst(4))] != nil } : summaries.contains { $0.params[field] != nil }
            if !isHeld {
                var known = Set(RunFields.builtIn)
                for run in summaries {
                    known.formUnion(run.params.keys)
                    known.formUnion(run.tags.keys.map { "tag." + $0 })
                }
                throw UnknownField(field: field, known: known.sorted())
            }
        }
        // Indices are filtered and sorted rather than the (large) summaries themselves; the filter
        // reads each field it names straight from the summary (no row dictionary per run).
        var indices = Array(summaries.indices)
        if let expression {
            indices = indices.filter { index in expression.matches { RunFields.value(of: $0, in: summaries[index], now: now) } }
        }
        var keys = [FieldValue?](repeating: nil, count: summaries.count)
        for index in indices { keys[index] = RunFields.value(of: sortField, in: summaries[index], now: now) }
        // Numbers (the usual sort) compare as plain Doubles, without copying enum payloads.
        let numbers = indices.allSatisfy { index in
            if case .text = keys[index] { return false }
            return true
        }
        if numbers {
            sort(&indices, by: keys.map { key -> Double? in if case .number(let value)? = key { value } else { nil } }) { summaries[$0].id }
        } else {
            sort(&indices, by: keys) { summaries[$0].id }
        }
        return indices
    }

    /// One page of the matching runs' ids in `apply`'s order, and how many match, with the filter
    /// run by the store in SQL (`Store.selectRuns`) and only the sort here; nil when the store
    /// cannot answer exactly (then `matchingIndices` over listed runs does). `experimentID` keeps
    /// that experiment's runs, in SQL too.
    public func page(in store: Store, offset: Int, limit: Int, experimentID: Int64? = nil) throws -> (ids: [Int64], total: Int)? {
        guard let (condition, sortKey) = selection,
              let (ids, keys) = try store.selectRuns(where: condition, sortKey: sortKey, experimentID: experimentID)
        else { return nil }
        var indices = Array(ids.indices)
        sort(&indices, by: keys) { ids[$0] }
        return (indices.dropFirst(max(0, offset)).prefix(max(0, limit)).map { ids[$0] }, ids.count)
    }

    /// Sorts positions by their keys: runs without one go last, ties newest (highest id) first.
    private func sort<Key: Comparable>(_ indices: inout [Int], by keys: [Key?], id: (Int) -> Int64) {
        let isDescending = self.isDescending
        indices.sort { lhs, rhs in
            switch (keys[lhs], keys[rhs]) {
            case (nil, nil): return id(lhs) > id(rhs)
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?): return a == b ? id(lhs) > id(rhs) : (isDescending ? a > b : a < b)
            }
        }
    }
}
