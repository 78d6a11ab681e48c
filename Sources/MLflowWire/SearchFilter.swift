import RunFilter

/// MLflow's `filter_string` and `order_by` of `runs/search`, read into `RunSearch` conditions and orders.
///
/// Mirrors `mlflow.utils.search_utils.SearchUtils` of MLflow 3.x together with the comparator checks its
/// SQL store makes: `entity.key comparator value` terms joined by `AND`; entities `metric(s)`,
/// `param(s)`/`parameter(s)`, `tag(s)`, `attribute(s)`/`attr`/`run` (the default when there is no dot);
/// a key after the first dot, optionally in backticks or double quotes; numbers for metrics and times,
/// quoted strings for the rest, `('a', 'b')` lists for `run_id IN`/`NOT IN`, `IS [NOT] NULL` for params and
/// tags. Like MLflow, quoted values are taken verbatim between their quotes (`'it''s'` is `it''s`), while
/// the strings of an `IN` list follow Python's literal rules. The scan is linear in the input.
package enum SearchFilter {
    /// Most terms in one filter and most keys in one order.
    package static let maximumTermCount = 100
    /// Longest filter or order clause, in UTF-8 bytes.
    package static let maximumLength = 1 << 20

    /// The conditions of an MLflow `filter_string`; empty or blank gives none.
    package static func parse(_ filter: String) throws(SearchFilterError) -> [RunSearch.Condition] {
        try checkSize(filter, what: "Filter string")
        var scanner = Scanner(filter)
        var conditions: [RunSearch.Condition] = []
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { return conditions }
            let termStart = scanner.index
            let identifier = try scanner.identifier(termStart: termStart)
            // MLflow's tokenizer lets ANDs lead, trail and repeat, and terms follow one another without one.
            if identifier.isBareWord, identifier.raw.utf8.count == 3, identifier.raw.uppercased() == "AND" { continue }
            guard conditions.count < maximumTermCount else {
                throw SearchFilterError("Filter string has more than \(maximumTermCount) terms. Search with fewer terms.")
            }
            scanner.skipWhitespace()
            let comparator = try scanner.comparator(termStart: termStart)
            var value = RawValue.none
            if comparator != "IS NULL", comparator != "IS NOT NULL" {
                scanner.skipWhitespace()
                value = try scanner.value(termStart: termStart)
            }
            conditions.append(try condition(identifier.raw, comparator, value))
        }
    }

    /// The keys of MLflow's `order_by`: each `identifier [ASC|DESC]`, ascending when not said.
    package static func parseOrder(_ orderBy: [String]) throws(SearchFilterError) -> [RunSearch.Order] {
        guard orderBy.count <= maximumTermCount else {
            throw SearchFilterError("order_by has more than \(maximumTermCount) clauses.")
        }
        var orders: [RunSearch.Order] = []
        var seen = Set<RunSearch.Field>()
        for clause in orderBy {
            try checkSize(clause, what: "order_by clause")
            let unparsable = SearchFilterError("Invalid order_by clause \(quote(clause)). Could not be parsed.")
            var scanner = Scanner(clause)
            scanner.skipWhitespace()
            guard let raw = try? scanner.identifier(termStart: scanner.index).raw else { throw unparsable }
            scanner.skipWhitespace()
            var isAscending = true
            if !scanner.isAtEnd {
                guard let direction = scanner.word() else { throw unparsable }
                scanner.skipWhitespace()
                guard scanner.isAtEnd else { throw unparsable }
                switch direction.lowercased() {
                case "asc": isAscending = true
                case "desc": isAscending = false
                default: throw SearchFilterError("Invalid ordering key in order_by clause \(quote(clause)).")
                }
            }
            let (entity, key) = try resolve(raw, attributeKeys: orderAttributeKeys)
            let field: RunSearch.Field
            switch entity {
            case .metric: field = .metric(key)
            case .param: field = .param(key)
            case .tag: field = .tag(key)
            case .attribute: field = .attribute(attribute(named: key))
            case .dataset: throw SearchFilterError("Invalid identifier type 'dataset' in order_by: runs cannot be ordered by dataset.")
            }
            guard seen.insert(field).inserted else {
                throw SearchFilterError("`order_by` contains duplicate fields: \(quote(raw)) names a field already ordered by.")
            }
            orders.append(RunSearch.Order(field, isAscending: isAscending))
        }
        return orders
    }
}

/// Why MLflow's search syntax was refused; one line, returned to clients as INVALID_PARAMETER_VALUE.
package struct SearchFilterError: Error, CustomStringConvertible, Equatable, Sendable {
    package let message: String

    package init(_ message: String) { self.message = message }

    package var description: String { message }
}

// MARK: - Meaning of the terms

extension SearchFilter {
    enum Entity: String { case metric, param = "parameter", tag, attribute, dataset }

    private static let entityAliases: [String: Entity] = [
        "metric": .metric, "metrics": .metric,
        "parameter": .param, "parameters": .param, "param": .param, "params": .param,
        "tag": .tag, "tags": .tag,
        "attribute": .attribute, "attributes": .attribute, "attr": .attribute, "run": .attribute,
        "dataset": .dataset, "datasets": .dataset,
    ]
    private static let attributeAliases: [String: RunSearch.Attribute] = [
        "run_id": .runID, "run_name": .runName, "user_id": .userID, "status": .status,
        "artifact_uri": .artifactURI, "start_time": .startTime, "end_time": .endTime,
        "created": .startTime, "Created": .startTime,
        "run name": .runName, "Run name": .runName, "Run Name": .runName,
    ]
    /// MLflow searches these attributes but orders only by the plain names and `created`.
    private static let filterAttributeKeys = Set(attributeAliases.keys)
    private static let orderAttributeKeys = filterAttributeKeys.subtracting(["run name", "Run name", "Run Name"])

    private static let numericComparators = ["=", "!=", "<", "<=", ">", ">="]
    private static let textComparators = ["=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"]
    private static let stringAttributeComparators = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"]

    /// MLflow's `_get_identifier`: the entity before the first dot (attribute when there is none), the key
    /// after it with one layer of quotes and then of backticks taken off.
    static func resolve(_ raw: String, attributeKeys: Set<String>) throws(SearchFilterError) -> (Entity, String) {
        let entityName: Substring
        var key: Substring
        if let dot = raw.firstIndex(of: ".") {
            entityName = trimmed(raw[..<dot], "`")
            key = raw[raw.index(after: dot)...]
        } else {
            entityName = "attribute"
            key = raw[...]
        }
        guard let entity = entityAliases[String(entityName)] else {
            throw SearchFilterError(
                "Invalid entity type \(quote(entityName)). Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']")
        }
        let unquoted = trimmed(key, "'")
        key = trimmed(unquoted.count == key.count ? trimmed(key, "\"") : unquoted, "`")
        if entity == .attribute, !attributeKeys.contains(String(key)) {
            let valid = attributeKeys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw SearchFilterError("Invalid attribute key \(quote(key)) specified. Valid keys are \(valid)")
        }
        return (entity, String(key))
    }

    private static func condition(
        _ raw: String, _ comparator: String, _ value: RawValue
    ) throws(SearchFilterError) -> RunSearch.Condition {
        let (entity, key) = try resolve(raw, attributeKeys: filterAttributeKeys)
        let isNullTest = comparator == "IS NULL" || comparator == "IS NOT NULL"
        if isNullTest, entity != .param, entity != .tag {
            throw SearchFilterError(
                "IS NULL / IS NOT NULL is only supported for tags and params, not for '\(entity.rawValue)' \(quote(key))")
        }
        func check(_ allowed: [String], _ what: String) throws(SearchFilterError) -> RunSearch.Comparison {
            guard allowed.contains(comparator), let comparison = RunSearch.Comparison(rawValue: comparator) else {
                let list = allowed.map { "'\($0)'" }.joined(separator: ", ")
                throw SearchFilterError("Invalid comparator \(quote(comparator)) for \(what) \(quote(key)). Only \(list) are allowed.")
            }
            return comparison
        }
        if case .word(let raw) = value,
            entity == .param || entity == .tag || (entity == .attribute && !attribute(named: key).isNumeric)
        {
            throw SearchFilterError(
                "Parameter value is either not quoted or unidentified quote types used for string value \(quote(raw)). Use either single or double quotes.")
        }
        switch entity {
        case .metric:
            let comparison = try check(numericComparators, "metric")
            guard case .number(let number, _) = value else {
                throw SearchFilterError("Expected numeric value type for metric. Found \(value.display)")
            }
            return RunSearch.Condition(.metric(key), comparison, .number(number))
        case .param, .tag:
            let comparison = try check(textComparators, entity == .param ? "param" : "tag")
            let field: RunSearch.Field = entity == .param ? .param(key) : .tag(key)
            if isNullTest { return RunSearch.Condition(field, comparison, .none) }
            guard case .text(let text, _) = value else {
                throw SearchFilterError(
                    "Expected a quoted string value for \(entity.rawValue) (e.g. 'my-value'). Got value \(value.display)")
            }
            return RunSearch.Condition(field, comparison, .text(text))
        case .attribute:
            let attribute = attribute(named: key)
            if attribute.isNumeric {
                let comparison = try check(numericComparators, "numeric attribute")
                guard case .number(let number, _) = value else {
                    throw SearchFilterError("Expected numeric value type for numeric attribute: \(key). Found \(value.display)")
                }
                return RunSearch.Condition(.attribute(attribute), comparison, .number(number))
            }
            let comparison = try check(stringAttributeComparators, "attribute")
            let wantsList = comparison == .isIn || comparison == .isNotIn
            let onlyRunID = SearchFilterError(
                "Only ['run_id'] attributes support comparison with a list of quoted string values.")
            switch value {
            case .list(let items, _):
                guard attribute == .runID else { throw onlyRunID }
                guard wantsList else {
                    throw SearchFilterError("Invalid comparator \(quote(comparator)) for a list of values. Use 'IN' or 'NOT IN'.")
                }
                return RunSearch.Condition(.attribute(attribute), comparison, .list(items))
            case .text(let text, _):
                guard !wantsList else {
                    guard attribute == .runID else { throw onlyRunID }
                    throw SearchFilterError("\(quote(comparator)) needs a list of quoted string values, e.g. ('a', 'b').")
                }
                return RunSearch.Condition(.attribute(attribute), comparison, .text(text))
            case .number, .word, .none:
                throw SearchFilterError("Expected a quoted string value for attributes. Got value \(value.display)")
            }
        case .dataset:
            guard ["name", "digest", "context"].contains(key) else {
                throw SearchFilterError("Invalid dataset key \(quote(key)) specified. Valid keys are 'name', 'digest', 'context'")
            }
            let comparison = try check(stringAttributeComparators, "dataset attribute")
            switch value {
            case .list(let items, _) where comparison == .isIn || comparison == .isNotIn:
                return RunSearch.Condition(.dataset(key), comparison, .list(items))
            case .text(let text, _) where comparison != .isIn && comparison != .isNotIn:
                return RunSearch.Condition(.dataset(key), comparison, .text(text))
            default:
                throw SearchFilterError("Expected a quoted string value (or a list with IN) for dataset attribute \(quote(key)). Got value \(value.display)")
            }
        }
    }

    private static func attribute(named key: String) -> RunSearch.Attribute {
        attributeAliases[key] ?? .runID  // resolve(_:attributeKeys:) has already refused unknown keys
    }

    private static func checkSize(_ text: String, what: String) throws(SearchFilterError) {
        guard text.utf8.count <= maximumLength else {
            throw SearchFilterError("\(what) is longer than \(maximumLength) bytes.")
        }
        guard !text.utf8.contains(0) else {
            throw SearchFilterError("\(what) contains a NUL character.")
        }
    }

    /// `value` without one pair of enclosing `mark`s (MLflow's `_trim_backticks`/`_strip_quotes`).
    private static func trimmed(_ value: Substring, _ mark: Character) -> Substring {
        guard value.count >= 2, value.first == mark, value.last == mark else { return value }
        return value.dropFirst().dropLast()
    }

    /// `'text'` shortened and with control characters escaped, so that every message stays one short line.
    static func quote<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 80 {
                out += "…"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return "'\(out)'"
    }
}

// MARK: - Scanning

extension SearchFilter {
    /// A value as written: its meaning and its text for messages.
    enum RawValue {
        case number(Double, String)
        case text(String, String)
        case list([String], String)
        /// A bare name where a value belongs, such as `NaN` or an unquoted string.
        case word(String)
        case none

        var display: String {
            switch self {
            case .number(_, let raw), .text(_, let raw), .list(_, let raw), .word(let raw): quote(raw)
            case .none: "nothing"
            }
        }
    }

    struct Identifier {
        /// As written, quotes included; MLflow's rules then split it.
        var raw: String
        /// One unquoted name without dots (only such a word can be the keyword AND).
        var isBareWord: Bool
    }

    /// Reads tokens off the UTF-8 bytes; every step moves forward, so a scan is linear.
    struct Scanner {
        let bytes: [UInt8]
        private(set) var index = 0

        init(_ text: String) { bytes = Array(text.utf8) }

        var isAtEnd: Bool { index >= bytes.count }
        private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        private static func isNameStart(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
        }
        private static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || isDigit(b) }
        private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

        private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        private func invalidClause(from start: Int) -> SearchFilterError {
            let end = Swift.min(bytes.count, Swift.max(index + 1, start + 1))
            return SearchFilterError("Invalid clause(s) in filter string: \(quote(text(start..<end)))")
        }

        mutating func skipWhitespace() {
            while let b = peek, Self.isSpace(b) { index += 1 }
        }

        /// A run of name characters, or nil when none starts here.
        mutating func word() -> String? {
            guard let b = peek, Self.isNameStart(b) else { return nil }
            let start = index
            while let b = peek, Self.isNameChar(b) { index += 1 }
            return text(start..<index)
        }

        /// `part(.part)*`, each part a name, a `backticked` or a "double-quoted" name, no spaces around dots.
        mutating func identifier(termStart: Int) throws(SearchFilterError) -> Identifier {
            let start = index
            var parts = 0
            var isBareWord = true
            while true {
                guard let b = peek else { throw invalidClause(from: termStart) }
                if Self.isNameStart(b) {
                    _ = word()
                } else if b == UInt8(ascii: "`") || b == UInt8(ascii: "\"") {
                    guard let end = quotedEnd(from: index, quote: b) else {
                        throw SearchFilterError("Unterminated quote in filter string at \(quote(text(index..<bytes.count)))")
                    }
                    index = end
                    isBareWord = false
                } else {
                    throw invalidClause(from: termStart)
                }
                parts += 1
                guard peek == UInt8(ascii: ".") else { break }
                index += 1
            }
            return Identifier(raw: text(start..<index), isBareWord: isBareWord && parts == 1)
        }

        /// Where a quoted token opening at `open` ends, by sqlparse's rules: a doubled quote stands for
        /// one, and for ' and " a backslash escapes it unless that leaves the string open.
        private func quotedEnd(from open: Int, quote: UInt8) -> Int? {
            func scan(backslash: Bool) -> Int? {
                var i = open + 1
                while i < bytes.count {
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < bytes.count, bytes[i + 1] == quote {
                            i += 2
                            continue
                        }
                        return i + 1
                    }
                    if backslash, b == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == quote {
                        i += 2
                        continue
                    }
                    i += 1
                }
                return nil
            }
            if quote == UInt8(ascii: "`") { return scan(backslash: false) }
            return scan(backslash: true) ?? scan(backslash: false)
        }

        /// An operator (`=`, `!=`, `<`, …, kept as written so that `==` can be refused by name) or
        /// LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL in any case; keywords come back in upper case.
        mutating func comparator(termStart: Int) throws(SearchFilterError) -> String {
            let operatorBytes: [UInt8] = Array("<>=~!".utf8)
            if let b = peek, operatorBytes.contains(b) {
                let start = index
                while let b = peek, operatorBytes.contains(b) { index += 1 }
                return text(start..<index)
            }
            guard let first = word()?.uppercased() else { throw invalidClause(from: termStart) }
            switch first {
            case "LIKE", "ILIKE", "IN", "RLIKE", "REGEXP": return first
            case "NOT":
                skipWhitespace()
                switch word()?.uppercased() {
                case "IN": return "NOT IN"
                case let second? where ["LIKE", "ILIKE", "RLIKE", "REGEXP"].contains(second): return "NOT \(second)"
                default: throw invalidClause(from: termStart)
                }
            case "IS":
                skipWhitespace()
                switch word()?.uppercased() {
                case "NULL": return "IS NULL"
                case "NOT":
                    skipWhitespace()
                    guard word()?.uppercased() == "NULL" else { throw invalidClause(from: termStart) }
                    return "IS NOT NULL"
                default: throw invalidClause(from: termStart)
                }
            default: throw invalidClause(from: termStart)
            }
        }

        /// A 'single-' or "double-quoted" string (verbatim between the quotes), a number, or a list.
        mutating func value(termStart: Int) throws(SearchFilterError) -> RawValue {
            guard let b = peek else { throw invalidClause(from: termStart) }
            let start = index
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard let end = quotedEnd(from: index, quote: b) else {
                    throw SearchFilterError("Unterminated string in filter string at \(quote(text(index..<bytes.count)))")
                }
                index = end
                return .text(text(start + 1..<end - 1), text(start..<end))
            case UInt8(ascii: "("):
                let items = try list()
                return .list(items, text(start..<index))
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let number = number() else {
                    while let b = peek, !Self.isSpace(b) { index += 1 }
                    throw SearchFilterError("Expected a number, found \(quote(text(start..<index)))")
                }
                return number
            default:
                guard let word = try? identifier(termStart: termStart) else { throw invalidClause(from: termStart) }
                return .word(word.raw)
            }
        }

        /// sqlparse's numbers: `-?\d+(\.\d+)?[eE]-?\d+`, `-?(\d+\.\d*|\.\d+)`, `-?\d+`, not run into a name.
        private mutating func number() -> RawValue? {
            let start = index
            var i = index
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            func digits(from j: Int) -> Int {
                var j = j
                while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 }
                return j
            }
            let integerEnd = digits(from: i)
            var end = integerEnd
            var mayTakeExponent = integerEnd > i
            if end < bytes.count, bytes[end] == UInt8(ascii: ".") {
                let fractionEnd = digits(from: end + 1)
                if fractionEnd == end + 1 { mayTakeExponent = false }
                if integerEnd == i, fractionEnd == end + 1 { return nil }
                if integerEnd == i { mayTakeExponent = false }
                end = fractionEnd
            } else if integerEnd == i {
                return nil
            }
            if mayTakeExponent, end < bytes.count, bytes[end] | 0x20 == UInt8(ascii: "e") {
                var j = end + 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
                let exponentEnd = digits(from: j)
                if exponentEnd > j { end = exponentEnd }
            }
            if end < bytes.count, Self.isNameChar(bytes[end]) || bytes[end] == UInt8(ascii: ".") { return nil }
            let raw = text(start..<end)
            guard let value = Double(raw) else { return nil }
            index = end
            return .number(value, raw)
        }

        /// `('a', "b", …)` read as Python's `ast.literal_eval` reads it (as MLflow does): backslash escapes,
        /// adjacent strings joined, a trailing comma allowed; the list must hold at least one string.
        mutating func list() throws(SearchFilterError) -> [String] {
            let illFormed = SearchFilterError(
                "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.")
            index += 1
            var items: [String] = []
            var expectsItem = true
            while true {
                skipWhitespace()
                guard let b = peek else { throw illFormed }
                switch b {
                case UInt8(ascii: ")"):
                    index += 1
                    guard !items.isEmpty else {
                        throw SearchFilterError(
                            "While parsing a list in the query, expected a non-empty list of string values, but got empty list")
                    }
                    return items
                case UInt8(ascii: ","):
                    guard !expectsItem else { throw illFormed }
                    expectsItem = true
                    index += 1
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    guard expectsItem else { throw illFormed }
                    var item = try pythonString(illFormed)
                    while true {
                        let save = index
                        skipWhitespace()
                        guard let q = peek, q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else {
                            index = save
                            break
                        }
                        item += try pythonString(illFormed)
                    }
                    items.append(item)
                    expectsItem = false
                case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "("):
                    throw SearchFilterError(
                        "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list.")
                default:
                    throw illFormed
                }
            }
        }

        private mutating func pythonString(_ illFormed: SearchFilterError) throws(SearchFilterError) -> String {
            let quote = bytes[index]
            index += 1
            var out: [UInt8] = []
            while let b = peek {
                index += 1
                if b == quote { return String(decoding: out, as: UTF8.self) }
                if b == 0x0A || b == 0x0D { throw illFormed }
                guard b == UInt8(ascii: "\\") else {
                    out.append(b)
                    continue
                }
                guard let e = peek else { throw illFormed }
                index += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
                case 0x0A: break
                default: out += [b, e]
                }
            }
            throw illFormed
        }
    }
}
