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
        guard let byte = current else { throw error("a string is not closed") }
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            position += 1
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("invalid escape in a string: '\\' followed by \(describeCurrent())") }
        position += 1
        var code = UInt32(try hexQuad())
        if (0xDC00...0xDFFF).contains(code) { throw error("unpaired low surrogate \\u\(hex(code)) in a string") }
        if (0xD800...0xDBFF).contains(code) {
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.endIndex, bytes[position + 1] == UInt8(ascii: "u") else {
                throw error("high surrogate \\u\(hex(code)) is not followed by a low surrogate")
            }
            position += 2
            let low = UInt32(try hexQuad())
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("high surrogate \\u\(hex(code)) is followed by \\u\(hex(low)), not a low surrogate")
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("\\u escape is not a Unicode scalar") }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    private func hex(_ code: UInt32) -> String {
        let digits = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private mutating func hexQuad() throws(SafetensorsError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigit(byte) else {
                throw error("expected 4 hex digits after \\u, found \(describeCurrent())")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
