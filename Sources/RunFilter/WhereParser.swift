/// Why a `--where` expression could not be parsed, with the 1-based column of the problem.
public struct WhereSyntaxError: Error, Equatable, CustomStringConvertible {
    public let column: Int
    public let message: String
    public var description: String { "invalid --where expression at column \(column): \(message)" }
}

/// Recursive-descent parser for `--where`:
/// `expr := and ('or' and)*`, `and := unary ('and' unary)*`, `unary := 'not' unary | '(' expr ')' | field op value`.
public struct WhereParser {
    private enum Token: Equatable {
        case word(String), number(Double), string(String), op(ComparisonOperator), open, close, end
    }

    /// Deepest nesting of parentheses and `not`; the parser recurses once per level, so without a
    /// bound a long enough argument overflows the stack.
    static let maxDepth = 100

    private var tokens: [(token: Token, column: Int)] = []
    private var position = 0
    private var depth = 0

    public static func parse(_ text: String) throws -> WhereExpression {
        var parser = WhereParser()
        parser.tokens = try tokenize(text)
        let expression = try parser.parseOr()
        guard parser.current == .end else {
            throw parser.error("unexpected \(parser.describeCurrent()); join comparisons with 'and' or 'or'")
        }
        return expression
    }

    private var current: Token { tokens[position].token }

    private func error(_ message: String) -> WhereSyntaxError {
        WhereSyntaxError(column: tokens[position].column, message: message)
    }

    private func describeCurrent() -> String {
        switch current {
        case .word(let word): "'\(word)'"
        case .number(let number): "'\(number.formatted())'"
        case .string(let text): "'\(text)'"
        case .op(let op): "'\(op.rawValue)'"
        case .open: "'('"
        case .close: "')'"
        case .end: "end of expression"
        }
    }

    private func isKeyword(_ keyword: String) -> Bool {
        if case .word(let word) = current { return word.lowercased() == keyword }
        return false
    }

    private mutating func parseOr() throws -> WhereExpression {
        var expression = try parseAnd()
        while isKeyword("or") {
            position += 1
            expression = .or(expression, try parseAnd())
        }
        return expression
    }

    private mutating func parseAnd() throws -> WhereExpression {
        var expression = try parseUnary()
        while isKeyword("and") {
            position += 1
            expression = .and(expression, try parseUnary())
        }
        return expression
    }

    private mutating func enterNesting() throws {
        guard depth < Self.maxDepth else { throw error("parentheses and 'not' nest deeper than \(Self.maxDepth) levels") }
        depth += 1
    }

    private mutating func parseUnary() throws -> WhereExpression {
        if isKeyword("not") {
            try enterNesting()
            defer { depth -= 1 }
            position += 1
            return .not(try parseUnary())
        }
        if current == .open {
            try enterNesting()
            defer { depth -= 1 }
            position += 1
            let inner = try parseOr()
            guard current == .close else { throw error("expected ')' but found \(describeCurrent())") }
            position += 1
            return inner
        }
        guard case .word(let field) = current, !["and", "or"].contains(field.lowercased()) else {
            throw error("expected a field name but found \(describeCurrent())")
        }
        position += 1
        guard case .op(let op) = current else {
            throw error("expected a comparison (=, !=, <, <=, >, >=) after '\(field)' but found \(describeCurrent())")
        }
        position += 1
        let value: FieldValue
        switch current {
        case .number(let number): value = .number(number)
        case .string(let text): value = .text(text)
        case .word(let word) where !["and", "or", "not"].contains(word.lowercased()): value = .text(word)
        default: throw error("expected a value after '\(op.rawValue)' but found \(describeCurrent())")
        }
        position += 1
        return .comparison(field: field, op: op, value: value)
    }

    private static func tokenize(_ text: String) throws -> [(token: Token, column: Int)] {
        let characters = Array(text)
        var tokens: [(token: Token, column: Int)] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let column = index + 1
            if character.isWhitespace {
                index += 1
            } else if character == "(" || character == ")" {
                tokens.append((character == "(" ? .open : .close, column))
                index += 1
            } else if "=!<>".contains(character) {
                var symbol = String(character)
                if index + 1 < characters.count, characters[index + 1] == "=" || (character == "<" && characters[index + 1] == ">") {
                    symbol.append(characters[index + 1])
                }
                let normalized = ["==": "=", "<>": "!="][symbol] ?? symbol
                guard let op = ComparisonOperator(rawValue: normalized) else {
                    throw WhereSyntaxError(column: column, message: "'\(symbol)' is not a comparison; use =, !=, <, <=, > or >=")
                }
                tokens.append((.op(op), column))
                index += symbol.count
            } else if character == "'" || character == "\"" {
                guard let close = characters[(index + 1)...].firstIndex(of: character) else {
                    throw WhereSyntaxError(column: column, message: "unterminated string starting here")
                }
                tokens.append((.string(String(characters[(index + 1)..<close])), column))
                index = close + 1
            } else if character.isLetter || character.isNumber || "_.-+".contains(character) {
                var end = index
                while end < characters.count,
                      characters[end].isLetter || characters[end].isNumber || "_.-+".contains(characters[end]) {
                    // In a number a sign belongs to an exponent only (1e-5); names may hold hyphens (brisk-otter-42).
                    if "-+".contains(characters[end]), end > index, !character.isLetter,
                       !(characters[end - 1] == "e" || characters[end - 1] == "E") { break }
                    end += 1
                }
                let word = String(characters[index..<end])
                if let number = Double(word), word.first?.isLetter != true {
                    tokens.append((.number(number), column))
                } else {
                    tokens.append((.word(word), column))
                }
                index = end
            } else {
                throw WhereSyntaxError(column: column, message: "unexpected character '\(character)'")
            }
        }
        tokens.append((.end, characters.count + 1))
        return tokens
    }
}
