/// The few Python literals a `.npy` header holds: a dict of strings, booleans, integers and tuples.
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case bool(Bool)
    case integer(Int)
    case none
    /// A tuple or a list.
    case sequence([PythonLiteral])
    case dict([String: PythonLiteral])

    struct Failure: Error {}

    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw Failure() }
        return value
    }

    var description: String {
        switch self {
        case let .string(s): return "'\(s)'"
        case let .bool(b): return b ? "True" : "False"
        case let .integer(n): return String(n)
        case .none: return "None"
        case let .sequence(items): return "(" + items.map(\.description).joined(separator: ", ") + ")"
        case let .dict(items): return "{" + items.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        /// Nesting deeper than this is no numpy header (and must not exhaust the stack).
        static let maxDepth = 8

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
                index += 1
            }
        }

        /// Skips spaces, then `character` if it comes next.
        mutating func consume(_ character: Unicode.Scalar) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth <= Self.maxDepth else { throw Failure() }
            skipSpace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "("), UInt8(ascii: "["):
                let close: Unicode.Scalar = bytes[index] == UInt8(ascii: "(") ? ")" : "]"
                index += 1
                var items: [PythonLiteral] = []
                while !consume(close) {
                    items.append(try value(depth: depth + 1))
                    if !consume(",") {
                        guard consume(close) else { throw Failure() }
                        break
                    }
                }
                return .sequence(items)
            case UInt8(ascii: "{"):
                index += 1
                var items: [String: PythonLiteral] = [:]
                while !consume("}") {
                    guard case let .string(key) = try value(depth: depth + 1), consume(":") else { throw Failure() }
                    items[key] = try value(depth: depth + 1)
                    if !consume(",") {
                        guard consume("}") else { throw Failure() }
                        break
                    }
                }
                return .dict(items)
            default:
                let start = index
                while index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "_")
                    || (0x30...0x39).contains(bytes[index]) || (0x41...0x5A).contains(bytes[index]) || (0x61...0x7A).contains(bytes[index]) {
                    index += 1
                }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .none
                default:
                    // Python 2 wrote long integers with an L.
                    guard let n = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) else { throw Failure() }
                    return .integer(n)
                }
            }
        }

        /// A quoted string; a backslash takes the next character as it is.
        mutating func string() throws -> String {
            let quote = bytes[index]
            index += 1
            var out: [UInt8] = []
            while index < bytes.count, bytes[index] != quote {
                if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                guard index < bytes.count else { throw Failure() }
                out.append(bytes[index])
                index += 1
            }
            guard index < bytes.count else { throw Failure() }
            index += 1
            return String(decoding: out, as: UTF8.self)
        }
    }
}
