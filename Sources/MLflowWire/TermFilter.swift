import Foundation

/// The filters of MLflow's small searches (`search_experiments`, `search_registered_models`,
/// `search_model_versions`): terms joined by AND, each an attribute (also as `attribute.NAME`) or
/// `tags.KEY` compared with a quoted string (`=`, `!=`, `LIKE`, `ILIKE`, and `IN ('a', 'b')` where
/// allowed) or a number (`=`, `!=`, `<`, `<=`, `>`, `>=`). Which attributes exist, and their kind,
/// is the search's; the things searched are few, so they are matched here rather than in SQL.
package struct TermFilter {
    package enum Kind { case text, textOrList, number }
    package enum Field: Equatable { case attribute(String), tag(String) }
    package enum Value { case text(String), number(Double) }
    package struct Term { let field: Field; let comparison: String; let texts: [String]; let number: Double? }
    package let terms: [Term]
    /// Whether `tags.K != 'v'` holds for a thing without tag K (MLflow's registry: yes, so that the
    /// client's own `tag.`mlflow.prompt.is_prompt` != 'true'` keeps every model; experiments: no).
    package let missingTagIsUnequal: Bool

    package init(_ filter: String, attributes: [String: Kind], missingTagIsUnequal: Bool = false) throws {
        self.missingTagIsUnequal = missingTagIsUnequal
        var scanner = Tokens(Array(filter.utf8))
        var terms: [Term] = []
        while let first = try scanner.next() {
            if !terms.isEmpty {
                guard first.uppercased() == "AND", let next = try scanner.next() else {
                    throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': terms must be joined by AND.")
                }
                terms.append(try Self.term(next, &scanner, filter, attributes))
            } else {
                terms.append(try Self.term(first, &scanner, filter, attributes))
            }
            guard terms.count <= 100 else { throw MLflowError.invalid("The filter has more than 100 terms.") }
        }
        self.terms = terms
    }

    private static func term(_ identifier: String, _ scanner: inout Tokens, _ filter: String, _ attributes: [String: Kind]) throws -> Term {
        let field = try Self.field(identifier, attributes)
        guard var comparison = try scanner.next()?.uppercased() else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': a comparison is missing.") }
        if comparison == "NOT", let next = try scanner.next()?.uppercased() { comparison = "NOT " + next }
        let kind: Kind
        switch field {
        case .tag: kind = .text
        case .attribute(let name): kind = attributes[name] ?? .text
        }
        if comparison == "IN" || comparison == "NOT IN" {
            guard kind == .textOrList else { throw MLflowError.invalid("Invalid comparator '\(comparison)' for '\(identifier)'.") }
            guard try scanner.next() == "(" else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': IN needs a list in parentheses.") }
            var texts: [String] = []
            while true {
                guard let value = try scanner.next(quotedMarker: true), value.hasPrefix("\u{1}") else {
                    throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': IN takes quoted strings.")
                }
                texts.append(String(value.dropFirst()))
                let separator = try scanner.next()
                if separator == ")" { break }
                guard separator == "," else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': the IN list is not closed.") }
            }
            return Term(field: field, comparison: comparison, texts: texts, number: nil)
        }
        guard let value = try scanner.next(quotedMarker: true) else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': a value is missing.") }
        if kind != .number {
            guard ["=", "!=", "LIKE", "ILIKE"].contains(comparison) else {
                throw MLflowError.invalid("Invalid comparator '\(comparison)' for '\(identifier)': use =, !=, LIKE or ILIKE.")
            }
            guard value.hasPrefix("\u{1}") else { throw MLflowError.invalid("The value for '\(identifier)' must be a quoted string.") }
            return Term(field: field, comparison: comparison, texts: [String(value.dropFirst())], number: nil)
        }
        let digits = value.hasPrefix("\u{1}") ? String(value.dropFirst()) : value
        guard ["=", "!=", "<", "<=", ">", ">="].contains(comparison), let number = Double(digits) else {
            throw MLflowError.invalid("Invalid comparison for '\(identifier)': compare it with a number using =, !=, <, <=, > or >=.")
        }
        return Term(field: field, comparison: comparison, texts: [], number: number)
    }

    private static func field(_ identifier: String, _ attributes: [String: Kind]) throws -> Field {
        var name = identifier
        for prefix in ["attribute.", "attributes.", "attr."] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        for prefix in ["tags.", "tag."] where identifier.hasPrefix(prefix) {
            return .tag(Self.unquote(String(identifier.dropFirst(prefix.count))))
        }
        name = Self.unquote(name)
        guard attributes[name] != nil else {
            throw MLflowError.invalid("Invalid attribute key '\(identifier)' in the filter; use \(attributes.keys.sorted().joined(separator: ", ")) or tags.KEY.")
        }
        return .attribute(name)
    }

    package static func unquote(_ text: String) -> String {
        if text.count >= 2, let first = text.first, ["`", "\""].contains(first), text.last == first { return String(text.dropFirst().dropLast()) }
        return text
    }

    /// Whether every term holds for a thing with these attributes and tags.
    package func matches(_ attribute: (String) -> Value?, tags: [String: String]) -> Bool {
        terms.allSatisfy { term in
            switch term.field {
            case .attribute(let name):
                switch attribute(name) {
                case .text(let text)?: return Self.compare(text, term)
                case .number(let number)?: return Self.compare(number, term)
                case nil: return false
                }
            case .tag(let key):
                guard let value = tags[key] else { return missingTagIsUnequal && term.comparison == "!=" }
                return Self.compare(value, term)
            }
        }
    }

    private static func compare(_ value: String, _ term: Term) -> Bool {
        let pattern = term.texts.first ?? ""
        switch term.comparison {
        case "=": return value == pattern
        case "!=": return value != pattern
        case "IN": return term.texts.contains(value)
        case "NOT IN": return !term.texts.contains(value)
        case "LIKE": return Self.like(Array(value.unicodeScalars), Array(pattern.unicodeScalars))
        default: return Self.like(Array(value.lowercased().unicodeScalars), Array(pattern.lowercased().unicodeScalars))
        }
    }

    private static func compare(_ value: Double, _ term: Term) -> Bool {
        let other = term.number ?? .nan
        switch term.comparison {
        case "=": return value == other
        case "!=": return value != other
        case "<": return value < other
        case "<=": return value <= other
        case ">": return value > other
        default: return value >= other
        }
    }

    /// SQL LIKE: `%` any run, `_` one character; linear-time matching with backtracking to the last `%`.
    package static func like(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var (t, p) = (0, 0)
        var star: Int?, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "_" || (pattern[p] != "%" && pattern[p] == text[t]) {
                t += 1
                p += 1
            } else if p < pattern.count, pattern[p] == "%" {
                star = p
                mark = t
                p += 1
            } else if let star {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "%" { p += 1 }
        return p == pattern.count
    }

    /// An `order_by` clause: `FIELD [ASC|DESC]` with FIELD one of `fields` (also as `attribute.FIELD`).
    package static func order(_ clause: String, fields: Set<String>) throws -> (field: String, ascending: Bool) {
        let parts = clause.split(separator: " ").map(String.init)
        var field = parts.first ?? ""
        for prefix in ["attribute.", "attributes.", "attr."] where field.hasPrefix(prefix) { field = String(field.dropFirst(prefix.count)) }
        let direction = parts.count == 2 ? parts[1].uppercased() : "ASC"
        guard (1...2).contains(parts.count), fields.contains(field), direction == "ASC" || direction == "DESC" else {
            throw MLflowError.invalid("Invalid order_by clause '\(clause.prefix(200))': use one of \(fields.sorted().joined(separator: ", ")), then ASC or DESC.")
        }
        return (field, direction == "ASC")
    }

    /// Sorts `items` by the `order_by` clauses (each a field `key` reads), then by `fallback`.
    package static func sort<T>(_ items: inout [T], clauses: [String], fields: Set<String>, key: (T, String) -> Value?, fallback: (T, T) -> Bool) throws {
        let orders = try clauses.map { try order($0, fields: fields) }
        items.sort { left, right in
            for (field, ascending) in orders {
                switch (key(left, field), key(right, field)) {
                case (.text(let a)?, .text(let b)?) where a != b: return ascending ? a < b : a > b
                case (.number(let a)?, .number(let b)?) where a != b: return ascending ? a < b : a > b
                default: continue
                }
            }
            return fallback(left, right)
        }
    }

    /// Words, comparison operators and quoted strings of a filter. A quoted string comes back
    /// marked with a leading U+0001 when asked, so that `'5'` and `5` stay apart.
    package struct Tokens {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func next(quotedMarker: Bool = false) throws -> String? {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0A { position += 1 }
            guard position < bytes.count else { return nil }
            let start = position
            let byte = bytes[position]
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                position += 1
                while position < bytes.count, bytes[position] != byte { position += 1 }
                guard position < bytes.count else { throw MLflowError.invalid("The filter has an unclosed quote.") }
                position += 1
                let inner = String(decoding: bytes[(start + 1)..<(position - 1)], as: UTF8.self)
                return quotedMarker ? "\u{1}" + inner : inner
            }
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ",") {
                position += 1
                return String(UnicodeScalar(byte))
            }
            if [UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">")].contains(byte) {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "=") { position += 1 }
                return String(decoding: bytes[start..<position], as: UTF8.self)
            }
            var quote: UInt8?
            while position < bytes.count {
                let current = bytes[position]
                if let open = quote {
                    if current == open { quote = nil }
                } else if current == UInt8(ascii: "`") || current == UInt8(ascii: "\"") {
                    quote = current
                } else if current == 0x20 || current == 0x09 || current == 0x0A
                            || [UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("),
                                UInt8(ascii: ")"), UInt8(ascii: ",")].contains(current) {
                    break
                }
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }
}
