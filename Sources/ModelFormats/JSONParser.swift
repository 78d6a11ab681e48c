import JSONText

/// A strict JSON parser (RFC 8259) for safetensors headers, written here rather than taken from
/// Foundation so that duplicate keys are refused, numbers keep their literal text, and fuzzing
/// exercises code this project owns.
///
/// Nesting is limited to `maxDepth` levels: the parser recurses once per level, and a header of a
/// few megabytes of `[` would otherwise overflow the stack. Offsets in errors count bytes from the
/// start of the header.
struct JSONParser {
    static let maxDepth = 64

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// Parses one JSON value surrounded by optional whitespace; anything else after it is refused.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(SafetensorsError) -> JSONValue {
        if let offset = firstInvalidUTF8Offset(bytes) { throw .headerNotUTF8(offset: offset) }
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.endIndex else { throw .trailingGarbage(offset: parser.offset) }
        return value
    }

    private var offset: Int { position - bytes.startIndex }

    private var current: UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    private func error(_ reason: String) -> SafetensorsError { .invalidJSON(offset: offset, reason: reason) }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of header" }
        return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(SafetensorsError) {
        guard current == byte else { throw error("expected \(what), found \(describeCurrent())") }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(SafetensorsError) -> JSONValue {
        guard let byte = current else { throw error("expected a value, found end of header") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(SafetensorsError) {
        for byte in word.utf8 {
            guard current == byte else { throw error("expected '\(word)', found \(describeCurrent())") }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(SafetensorsError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("objects and arrays nest deeper than \(Self.maxDepth) levels") }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        var keys = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key, found \(describeCurrent())") }
            let keyOffset = offset
            let key = try parseString()
            guard keys.insert(key).inserted else { throw .duplicateKey(key, offset: keyOffset) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            try expect(UInt8(ascii: ","), "',' or '}' in an object")
        }
    }

    private mutating func parseArray(depth: Int) throws(SafetensorsError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("objects and arrays nest deeper than \(Self.maxDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            try expect(UInt8(ascii: ","), "',' or ']' in an array")
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as its text.
    private mutating func parseNumber() throws(SafetensorsError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
            if let byte = current, isDigit(byte) { throw error("a number has a leading zero") }
        } else {
            try digits("a digit")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            try digits("a digit after '.'")
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits("a digit in the exponent")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private mutating func digits(_ what: String) throws(SafetensorsError) {
        guard let first = current, isDigit(first) else { throw error("expected \(what), found \(describeCurrent())") }
        while let byte = current, isDigit(byte) { position += 1 }
    }

    /// A string whose bytes are already known to be UTF-8: copies them, decoding escapes.
    private mutating func parseString() throws(SafetensorsError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw error("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw error("control character 0x\(String(byte, radix: 16)) in a string; write it as an escape")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(SafetensorsError) {
        do {
            try JSONText.decodeEscape(bytes, at: &position, into: &utf8)
        } catch {
            let hex = JSONText.EscapeError.hex
            let reason: String = switch error {
            case .cutOff: "a string is not closed"
            case .unknown: "invalid escape in a string: '\\' followed by \(describeCurrent())"
            case .notHex: "expected 4 hex digits after \\u, found \(describeCurrent())"
            case .unpairedLow(let code): "unpaired low surrogate \\u\(hex(code)) in a string"
            case .highAlone(let code): "high surrogate \\u\(hex(code)) is not followed by a low surrogate"
            case .highBefore(let code, let next): "high surrogate \\u\(hex(code)) is followed by \\u\(hex(next)), not a low surrogate"
            }
            throw self.error(reason)
        }
    }
}
