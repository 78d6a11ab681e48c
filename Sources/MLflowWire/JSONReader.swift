import JSONText

/// A number as JSON wrote it: its text, read exactly when asked (Foundation's JSON reader rounds
/// some doubles by one unit in the last place; MLflow's values must come back bit for bit).
package struct JSONNumber: CustomStringConvertible, Equatable, Sendable {
    package let text: String
    package init(text: String) { self.text = text }
    package var description: String { text }
    package var double: Double? { Double(text) }
    package var int64: Int64? { Int64(text) ?? Double(text).flatMap { $0 == $0.rounded() && abs($0) < 9.2e18 ? Int64($0) : nil } }
}

/// One JSON value of a request body.
package enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case object(JSONObject)
    case array([JSONValue])
    case string(String)
    case number(JSONNumber)
    case bool(Bool)
    case null

    package var string: String? { if case .string(let text) = self { text } else { nil } }
    package var object: JSONObject? { if case .object(let object) = self { object } else { nil } }
    package var array: [JSONValue]? { if case .array(let array) = self { array } else { nil } }
    package var isNull: Bool { self == .null }

    /// The value as an error message quotes it: strings and numbers as they are (cut to 100
    /// characters), containers by their kind.
    package var description: String {
        switch self {
        case .object: "an object"
        case .array: "a list"
        case .string(let text): "'\(text.prefix(100))'"
        case .number(let number): String(number.text.prefix(100))
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }
}

/// A JSON object's members in their order, found by a linear scan (a request's objects have a
/// handful of members; a batch has a thousand such objects, and hashing each member's name into a
/// dictionary would cost more than the scan). A repeated name means its last value, as in a dictionary.
package struct JSONObject: Equatable, Sendable {
    package var members: [(name: String, value: JSONValue)] = []

    package init(members: [(name: String, value: JSONValue)] = []) { self.members = members }

    package subscript(name: String) -> JSONValue? {
        for member in members.reversed() where member.name == name { return member.value }
        return nil
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count && zip(lhs.members, rhs.members).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A strict JSON reader for request bodies (RFC 8259, UTF-8), into `JSONValue`s. Nesting is limited (a body of `[[[[…` ends in an error, not a
/// stack overflow); anything malformed is one INVALID_PARAMETER_VALUE line with its byte offset.
package struct JSONReader {
    package static let maxDepth = 64
    private let bytes: [UInt8]
    private var position = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    package static func parse(_ bytes: [UInt8]) throws(MLflowError) -> JSONValue {
        var reader = JSONReader(bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == bytes.count else { throw reader.error("unexpected text after the value") }
        return value
    }

    private func error(_ what: String) -> MLflowError {
        MLflowError.invalid("The request body is not valid JSON: \(what) at byte \(position).")
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(MLflowError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard position < bytes.count else { throw error("a value is missing") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var object = JSONObject()
            object.members.reserveCapacity(4)
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(object) }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("a member name is missing") }
                let key = try string()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("':' is missing") }
                position += 1
                skipSpace()
                object.members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < bytes.count else { throw error("'}' is missing") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                guard bytes[position] == UInt8(ascii: "}") else { throw error("',' or '}' is missing") }
                position += 1
                return .object(object)
            }
        case UInt8(ascii: "["):
            position += 1
            var array: [JSONValue] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(array) }
            while true {
                skipSpace()
                array.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw error("']' is missing") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                guard bytes[position] == UInt8(ascii: "]") else { throw error("',' or ']' is missing") }
                position += 1
                return .array(array)
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: String) throws(MLflowError) {
        let expected = Array(word.utf8)
        guard position + expected.count <= bytes.count, Array(bytes[position..<(position + expected.count)]) == expected else {
            throw error("unexpected word")
        }
        position += expected.count
    }

    private mutating func number() throws(MLflowError) -> JSONNumber {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        func digits() -> Int {
            let from = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - from
        }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("a number has no digits") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
            position = integerStart
            throw error("a number has a leading zero")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw error("a number has no digits after its point") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw error("a number's exponent has no digits") }
        }
        return JSONNumber(text: text(start..<position))
    }

    private mutating func string() throws(MLflowError) -> String {
        let opening = position
        position += 1  // the opening quote
        // Most strings have no escape: read straight from the body (ASCII needs no validation).
        var end = position, isASCII = true
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            isASCII = isASCII && bytes[end] < 0x80
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let range = position..<end
            position = end + 1
            if isASCII { return text(range) }
            guard let text = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }) else {
                position = opening
                throw error("a string is not UTF-8")
            }
            return text
        }
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("a string is not closed") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    position = opening
                    throw error("a string is not UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                do {
                    try JSONText.decodeEscape(bytes, at: &position, into: &utf8)
                } catch {
                    throw self.error(error.description)
                }
            case 0..<0x20: throw error("a control character in a string")
            default: utf8.append(byte)
            }
        }
    }

    /// ASCII bytes of the body as a String.
    private func text(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }
}
