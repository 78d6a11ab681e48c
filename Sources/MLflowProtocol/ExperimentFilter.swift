import Foundation
import Store

/// MLflow's `search_experiments` filter: terms joined by AND, each `name`, `creation_time`,
/// `last_update_time` (also as `attribute.…`) or `tags.KEY` compared with a quoted string or a
/// number (`=`, `!=`, `LIKE`, `ILIKE` for text; `=`, `!=`, `<`, `<=`, `>`, `>=` for times).
struct ExperimentFilter {
    enum Field: Equatable { case name, creationTime, lastUpdateTime, tag(String) }
    struct Term { let field: Field; let comparison: String; let text: String?; let number: Double? }
    let terms: [Term]

    init(_ filter: String) throws {
        var scanner = Tokens(Array(filter.utf8))
        var terms: [Term] = []
        while let first = try scanner.next() {
            if !terms.isEmpty {
                guard first.uppercased() == "AND", let next = try scanner.next() else {
                    throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': terms must be joined by AND.")
                }
                terms.append(try Self.term(next, &scanner, filter))
            } else {
                terms.append(try Self.term(first, &scanner, filter))
            }
            guard terms.count <= 100 else { throw MLflowError.invalid("The filter has more than 100 terms.") }
        }
        self.terms = terms
    }

    private static func term(_ identifier: String, _ scanner: inout Tokens, _ filter: String) throws -> Term {
        let field = try Self.field(identifier)
        guard var comparison = try scanner.next()?.uppercased() else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': a comparison is missing.") }
        if comparison == "NOT", let next = try scanner.next()?.uppercased() { comparison = "NOT " + next }
        guard let value = try scanner.next(quotedMarker: true) else { throw MLflowError.invalid("Invalid filter '\(filter.prefix(200))': a value is missing.") }
        let isText: Bool
        switch field {
        case .name, .tag: isText = true
        case .creationTime, .lastUpdateTime: isText = false
        }
        if isText {
            guard ["=", "!=", "LIKE", "ILIKE"].contains(comparison) else {
                throw MLflowError.invalid("Invalid comparator '\(comparison)' for '\(identifier)': use =, !=, LIKE or ILIKE.")
            }
            guard value.hasPrefix("\u{1}") else { throw MLflowError.invalid("The value for '\(identifier)' must be a quoted string.") }
            return Term(field: field, comparison: comparison, text: String(value.dropFirst()), number: nil)
        }
        guard ["=", "!=", "<", "<=", ">", ">="].contains(comparison), let number = Double(value) else {
            throw MLflowError.invalid("Invalid comparison for '\(identifier)': compare it with a number using =, !=, <, <=, > or >=.")
        }
        return Term(field: field, comparison: comparison, text: nil, number: number)
    }

    private static func field(_ identifier: String) throws -> Field {
        var name = identifier
        for prefix in ["attribute.", "attributes.", "attr."] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        for prefix in ["tags.", "tag."] where identifier.hasPrefix(prefix) {
            return .tag(Self.unquote(String(identifier.dropFirst(prefix.count))))
        }
        switch name {
        case "name": return .name
        case "creation_time": return .creationTime
        case "last_update_time": return .lastUpdateTime
        default: throw MLflowError.invalid("Invalid attribute key '\(identifier)' in the experiment filter.")
        }
    }

    static func unquote(_ text: String) -> String {
        if text.count >= 2, let first = text.first, ["`", "\""].contains(first), text.last == first { return String(text.dropFirst().dropLast()) }
        return text
    }

    func matches(_ experiment: Experiment) -> Bool {
        terms.allSatisfy { term in
            switch term.field {
            case .name: return Self.compare(experiment.name, term)
            case .tag(let key): return experiment.tags[key].map { Self.compare($0, term) } ?? false
            case .creationTime: return Self.compare(Double(MLflowService.milliseconds(experiment.createdAt)), term)
            case .lastUpdateTime: return Self.compare(Double(MLflowService.milliseconds(experiment.updatedAt)), term)
            }
        }
    }

    private static func compare(_ value: String, _ term: Term) -> Bool {
        let pattern = term.text ?? ""
        switch term.comparison {
        case "=": return value == pattern
        case "!=": return value != pattern
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
    static func like(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
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

    static func isValidOrder(_ order: String) -> Bool { orderKey(order) != nil }

    private static func orderKey(_ order: String) -> (field: String, ascending: Bool)? {
        let parts = order.split(separator: " ").map(String.init)
        guard (1...2).contains(parts.count) else { return nil }
        var field = parts[0]
        for prefix in ["attribute.", "attributes.", "attr."] where field.hasPrefix(prefix) { field = String(field.dropFirst(prefix.count)) }
        guard ["name", "experiment_id", "creation_time", "last_update_time"].contains(field) else { return nil }
        let direction = parts.count == 2 ? parts[1].uppercased() : "ASC"
        guard direction == "ASC" || direction == "DESC" else { return nil }
        return (field, direction == "ASC")
    }

    /// Whether `left` comes first by `order`; nil when they tie.
    static func compare(_ left: Experiment, _ right: Experiment, order: String) -> Bool? {
        guard let (field, ascending) = orderKey(order) else { return nil }
        let ordered: Bool?
        switch field {
        case "name": ordered = left.name == right.name ? nil : left.name < right.name
        case "experiment_id": ordered = left.id == right.id ? nil : left.id < right.id
        case "creation_time": ordered = left.createdAt == right.createdAt ? nil : left.createdAt < right.createdAt
        default: ordered = left.updatedAt == right.updatedAt ? nil : left.updatedAt < right.updatedAt
        }
        return ordered.map { ascending ? $0 : !$0 }
    }

    /// Words, comparison operators and quoted strings of a filter. A quoted string comes back
    /// marked with a leading U+0001 when asked, so that `'5'` and `5` stay apart.
    struct Tokens {
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
                } else if current == 0x20 || current == 0x09 || current == 0x0A || [UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">")].contains(current) {
                    break
                }
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }
}
