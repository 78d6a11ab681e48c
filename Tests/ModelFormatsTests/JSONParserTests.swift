import Testing
@testable import ModelFormats

private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(ArraySlice(text.utf8)) }

private func string(_ json: String) throws -> String? {
    if case .string(let text) = try parse(json) { text } else { nil }
}

@Test func decodesEveryEscape() throws {
    #expect(try string(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{C}\n\r\t")
    #expect(try string(#""\u0041\u00e9\u20AC\u0000""#) == "Aé€\u{0}")
    #expect(try string(#""\ud83d\ude42 \uD834\uDD1E""#) == "🙂 𝄞")
    #expect(try string("\"raw 🙂 é\"") == "raw 🙂 é")
}

@Test func keepsNumbersAsWritten() throws {
    guard case .array(let values) = try parse("[0, -0, 12, -3.5e+2, 1E-7, 9223372036854775807, 9223372036854775808]") else {
        Issue.record("not an array")
        return
    }
    let literals = values.compactMap { if case .number(let text) = $0 { text } else { nil } }
    #expect(literals == ["0", "-0", "12", "-3.5e+2", "1E-7", "9223372036854775807", "9223372036854775808"])
    #expect(values.map(\.integer) == [0, 0, 12, nil, nil, .max, nil])
}

@Test func keepsObjectMembersInOrder() throws {
    guard case .object(let members) = try parse(#"{"z": true, "a": [false, null], "m": {}}"#) else {
        Issue.record("not an object")
        return
    }
    #expect(members.map(\.key) == ["z", "a", "m"])
    #expect(members.map(\.value.kind) == ["boolean", "array", "object"])
}

@Test func findsTheFirstInvalidUTF8Byte() {
    func offset(_ bytes: [UInt8]) -> Int? { JSONParser.firstInvalidUTF8Offset(bytes[...]) }
    #expect(offset(Array("plain é € 🙂 \u{10FFFF}".utf8)) == nil)
    #expect(offset([0x41, 0x80]) == 1)  // lone continuation byte
    #expect(offset([0xE0, 0x80, 0x80]) == 0)  // overlong three-byte form
    #expect(offset([0xF0, 0x80, 0x80, 0x80]) == 0)  // overlong four-byte form
    #expect(offset([0x41, 0xC3]) == 1)  // cut at the end
    #expect(offset([0xC3, 0x41]) == 0)  // continuation missing
    #expect(offset([0xF8, 0x88, 0x80, 0x80, 0x80]) == 0)  // five-byte form
}
