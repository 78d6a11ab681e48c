import JSONText

/// A forward-only reader of JSON text for the scoring request shapes: strings, numbers straight
/// into Float (`DecimalFloat`), and values skipped without being built. Errors are `InputError`s
/// naming the byte offset.
struct JSONCursor {
    let text: UnsafeBufferPointer<UInt8>
    var index = 0
    static let maxDepth = 16

    init(_ text: UnsafeBufferPointer<UInt8>) { self.text = text }

    func error(_ what: String) -> InputError {
        InputError("the request body is not valid scoring JSON at byte \(index): \(what)")
    }

    mutating func skipSpace() {
        while index < text.count, text[index] == 0x20 || text[index] == 0x0A || text[index] == 0x0D || text[index] == 0x09 { index += 1 }
    }

    /// The next non-space byte, not consumed (nil at the end).
    mutating func peek() -> UInt8? {
        skipSpace()
        return index < text.count ? text[index] : nil
    }

    mutating func expect(_ byte: UInt8) throws(InputError) {
        guard peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))', found \(found())") }
        index += 1
    }

    /// Consumes `byte` if it comes next.
    mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    func found() -> String {
        guard index < text.count else { return "the end of the body" }
        let byte = text[index]
        return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte \(byte)"
    }

    /// What kind of value starts here, for messages.
    mutating func kindAhead() -> String {
        switch peek() {
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): "not finite (NaN or Infinity)"
        case UInt8(ascii: "-") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "I"): "not finite (NaN or Infinity)"
        case nil: "missing"
        default: "not a number"
        }
    }

    /// A finite number, or nil (nothing consumed) when none comes next.
    mutating func number() throws(InputError) -> Float? {
        skipSpace()
        guard index < text.count else { return nil }
        let first = text[index]
        guard first == UInt8(ascii: "-") || first &- 48 < 10 else { return nil }
        if first == UInt8(ascii: "-"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "I") { return nil }
        guard let value = DecimalFloat.read(text, at: &index) else { throw error("a malformed number") }
        guard value.isFinite else { throw InputError("a feature value at byte \(index) is outside Float32's range; features must be finite") }
        return value
    }

    /// The numbers of an array whose `[` was read, through its `]`, appended to `values`; returns
    /// how many. Nil (nothing consumed but spaces) when the array's first element is not a number.
    mutating func numberRow(into values: inout [Float]) throws(InputError) -> Int? {
        if take(UInt8(ascii: "]")) { return 0 }
        var failure: InputError?
        var count = 0
        // Numbers go through a small buffer on the stack and join `values` 256 at a time.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { buffer in
            var filled = 0
            defer { values.append(contentsOf: buffer[0..<filled]) }
            while true {
                if filled == buffer.count {
                    values.append(contentsOf: buffer)
                    filled = 0
                }
                skipSpace()
                // 0 or 0.0 before a separator: the most common features of all (Python writes 0.0).
                if index + 1 < text.count, text[index] == UInt8(ascii: "0"),
                   text[index + 1] == UInt8(ascii: ",") || text[index + 1] == UInt8(ascii: "]") {
                    buffer[filled] = 0
                    index += 1
                } else if index + 3 < text.count, text[index] == UInt8(ascii: "0"), text[index + 1] == UInt8(ascii: "."),
                          text[index + 2] == UInt8(ascii: "0"), text[index + 3] == UInt8(ascii: ",") || text[index + 3] == UInt8(ascii: "]") {
                    buffer[filled] = 0
                    index += 3
                } else {
                    let value: Float?
                    do throws(InputError) { value = try number() } catch { failure = error; return }
                    guard let value else {
                        if count > 0 {
                            failure = InputError("value \(values.count + filled) is \(kindAhead()); every feature must be a finite number")
                        }
                        return
                    }
                    buffer[filled] = value
                }
                filled += 1
                count += 1
                if take(UInt8(ascii: ",")) { continue }
                if peek() == UInt8(ascii: "]") { index += 1 } else { failure = error("expected ',' or ']', found \(found())") }
                return
            }
        }
        if let failure { throw failure }
        return count == 0 ? nil : count
    }

    /// A string (escapes decoded).
    mutating func string() throws(InputError) -> String {
        try expect(UInt8(ascii: "\""))
        var bytes: [UInt8] = []
        while index < text.count {
            let byte = text[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                do {
                    try JSONText.decodeEscape(text, at: &index, into: &bytes)
                } catch {
                    throw self.error(error.description)
                }
            case 0..<0x20: throw error("a control character in a string")
            default: bytes.append(byte)
            }
        }
        throw error("an unterminated string")
    }

    /// Skips one value of any kind.
    mutating func skipValue(depth: Int = 0) throws(InputError) {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        switch peek() {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"):
            index += 1
            if take(UInt8(ascii: "}")) { return }
            repeat {
                _ = try string()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while take(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if take(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while take(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "t"): try word("true")
        case UInt8(ascii: "f"): try word("false")
        case UInt8(ascii: "n"): try word("null")
        default:
            guard try number() != nil else { throw error("expected a value, found \(found())") }
        }
    }

    private mutating func word(_ word: String) throws(InputError) {
        for byte in word.utf8 {
            guard index < text.count, text[index] == byte else { throw error("expected \(word)") }
            index += 1
        }
    }
}
