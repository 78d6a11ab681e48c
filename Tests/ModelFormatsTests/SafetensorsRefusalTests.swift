import Testing
@testable import ModelFormats

/// A valid entry for a tensor of two F32 values at the start of the buffer.
private let pair = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
private let eightBytes = [UInt8](repeating: 0, count: 8)

/// Header lengths: decode must check each against the limit and the file before reading anything.
@Test func refusesBadLengths() {
    #expect(refusal([]) == .fileTooShort(byteCount: 0))
    #expect(refusal([2, 0, 0, 0, 0, 0, 0]) == .fileTooShort(byteCount: 7))
    #expect(refusal([0, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)) == .emptyHeader)
    #expect(refusal([255, 255, 255, 255, 255, 255, 255, 255, 0x7B, 0x7D]) == .headerTooLarge(length: .max))
    #expect(refusal(safetensorsFile("{}") + [0, 0]) == .trailingBytes(count: 2))
    #expect(refusal([30, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)) == .headerBeyondFile(length: 30, available: 2))
}

/// A 20-byte file that claims a header of 100 MB (the limit) or just over it is refused from its
/// first 8 bytes; a decoder that allocated or read the claimed size would crash or take seconds.
@Test func refusesAHundredMegabyteClaimInATinyFile() {
    let limit = SafetensorsError.maxHeaderLength
    let claim = withUnsafeBytes(of: limit.littleEndian) { Array($0) } + Array(#"{"a":1}     "#.utf8)
    #expect(claim.count == 20)
    #expect(refusal(claim) == .headerBeyondFile(length: 100_000_000, available: 12))
    let over = withUnsafeBytes(of: (limit + 1).littleEndian) { Array($0) } + Array(claim.dropFirst(8))
    #expect(refusal(over) == .headerTooLarge(length: 100_000_001))
    #expect(refusal(over)?.description.contains("100000000-byte limit") == true)
}

@Test func refusesHeadersThatAreNotUTF8() {
    #expect(refusal(safetensorsFile(headerBytes: Array(#"{""#.utf8) + [0xFF] + Array(#"":1}"#.utf8))) == .headerNotUTF8(offset: 2))
    #expect(refusal(safetensorsFile(headerBytes: [0x7B, 0x22, 0xC0, 0x80, 0x22])) == .headerNotUTF8(offset: 2))  // overlong NUL
    #expect(refusal(safetensorsFile(headerBytes: [0x22, 0xED, 0xA0, 0x80, 0x22])) == .headerNotUTF8(offset: 1))  // surrogate
    #expect(refusal(safetensorsFile(headerBytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22])) == .headerNotUTF8(offset: 1))  // > U+10FFFF
    #expect(refusal(safetensorsFile(headerBytes: [0x7B, 0x7D, 0x20, 0xE2, 0x82])) == .headerNotUTF8(offset: 3))  // cut short
}

@Test(arguments: [
    (#"{"a":}"#, 5, "expected a value"), (#"{"a" 1}"#, 5, "expected ':'"), ("{'a':1}", 1, "expected a string key"),
    (#"{"a":01}"#, 6, "leading zero"), (#"{"a":1.}"#, 7, "digit after '.'"), (#"{"a":1e}"#, 7, "exponent"),
    (#"{"a":-}"#, 6, "expected a digit"), ("{\"a\":\"x\u{01}\"}", 7, "control character"), (#"{"a":"\q"}"#, 7, "invalid escape"),
    (#"{"a":"\udc00"}"#, 12, "unpaired low surrogate"), (#"{"a":"\ud800x"}"#, 12, "not followed by a low surrogate"),
    (#"{"a":"\ud800\u0041"}"#, 18, "not a low surrogate"), (#"{"a":"\u12G4"}"#, 10, "4 hex digits"),
    (#"{"a":"abc"#, 9, "not closed"), ("{", 1, "expected a string key"), (#"{"a":[1,]}"#, 8, "expected a value"),
    ("{,}", 1, "expected a string key"), (#"{"a":tru}"#, 8, "expected 'true'"), (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
    (#"{"a":[1 2]}"#, 8, "expected ',' or ']'"), ("\n", 0, "whitespace before"), ("   ", 0, "whitespace before"), ("x", 0, "expected a value"),
])
func refusesInvalidJSON(header: String, offset: Int, reason: String) throws {
    let error = try #require(refusal(safetensorsFile(header)))
    guard case .invalidJSON(let at, let why) = error else {
        Issue.record("expected invalidJSON, got \(error)")
        return
    }
    #expect(at == offset)
    #expect(why.contains(reason), "\(why)")
}

@Test func refusesNestingDeeperThanTheLimit() throws {
    let deep = #"{"a":"# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
    #expect(refusal(safetensorsFile(deep)) == .entryNotObject(tensor: "a", found: "array"))
    let tooDeep = #"{"a":"# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
    #expect(refusal(safetensorsFile(tooDeep)) == .invalidJSON(offset: 68, reason: "objects and arrays nest deeper than 64 levels"))
    // A megabyte of brackets must not recurse a million times.
    let error = try #require(refusal(safetensorsFile(String(repeating: "[", count: 1 << 20))))
    #expect(error.description.contains("nest deeper than 64 levels"))
}

@Test func refusesWhatIsNotOneJSONObject() {
    #expect(refusal(safetensorsFile("{} x")) == .trailingGarbage(offset: 3))
    #expect(refusal(safetensorsFile("{}{}")) == .trailingGarbage(offset: 2))
    #expect(refusal(safetensorsFile(headerBytes: [0x7B, 0x7D, 0x00])) == .trailingGarbage(offset: 2))
    #expect(refusal(safetensorsFile("[]")) == .headerNotObject(found: "array"))
    #expect(refusal(safetensorsFile(#""{}""#)) == .headerNotObject(found: "string"))
    #expect(refusal(safetensorsFile("12")) == .headerNotObject(found: "number"))
    #expect(refusal(safetensorsFile("null")) == .headerNotObject(found: "null"))
}

@Test func refusesDuplicateKeys() {
    #expect(refusal(safetensorsFile(#"{"t":"# + pair + #","t":"# + pair + "}", data: eightBytes)) == .duplicateKey("t", offset: 54))
    let nested = oneTensor(#"{"dtype":"F32","shape":[2],"dtype":"F32","data_offsets":[0,8]}"#)
    #expect(refusal(safetensorsFile(nested, data: eightBytes)) == .duplicateKey("dtype", offset: 32))
    // Names equal as Swift strings (canonically equivalent) would collide in a dictionary: refused too.
    let equivalent = #"{"\u00e9":"# + pair + #","e\u0301":"# + pair + "}"
    #expect(refusal(safetensorsFile(equivalent, data: eightBytes + eightBytes)) == .duplicateKey("é", offset: 59))
}

@Test func refusesMalformedEntries() {
    func entry(_ json: String) -> SafetensorsError? { refusal(safetensorsFile(oneTensor(json), data: eightBytes)) }
    #expect(entry("[1]") == .entryNotObject(tensor: "t", found: "array"))
    #expect(entry(#"{"shape":[2],"data_offsets":[0,8]}"#) == .missingField(tensor: "t", field: "dtype"))
    #expect(entry(#"{"dtype":"F32","data_offsets":[0,8]}"#) == .missingField(tensor: "t", field: "shape"))
    #expect(entry(#"{"dtype":"F32","shape":[2]}"#) == .missingField(tensor: "t", field: "data_offsets"))
    #expect(entry(#"{"dtype":"F32","shape":[2],"data_offsets":[0,8],"stride":1}"#) == .unexpectedField(tensor: "t", field: "stride"))
    #expect(entry(#"{"dtype":32,"shape":[2],"data_offsets":[0,8]}"#)
        == .wrongFieldType(tensor: "t", field: "dtype", found: "number", expected: "a string"))
    #expect(entry(#"{"dtype":"F32","shape":"2","data_offsets":[0,8]}"#)
        == .wrongFieldType(tensor: "t", field: "shape", found: "string", expected: "an array of integers"))
    #expect(entry(#"{"dtype":"F32","shape":[2],"data_offsets":{}}"#)
        == .wrongFieldType(tensor: "t", field: "data_offsets", found: "object", expected: "an array of two integers"))
}

@Test(arguments: ["F64", "F16", "BF16", "I64", "U8", "BOOL", "F8_E4M3"])
func namesSupportedButForeignDtypes(dtype: String) throws {
    let error = try #require(refusal(safetensorsFile(oneTensor(#"{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,8]}"#), data: eightBytes)))
    #expect(error == .unsupportedDtype(tensor: "t", dtype: dtype))
    #expect(error.description == "tensor \"t\" has dtype \(dtype); nnreg reads F32 only")
}

@Test(arguments: ["Q7", "f32", "", "F32 "])
func refusesUnknownDtypes(dtype: String) {
    let error = refusal(safetensorsFile(oneTensor(#"{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,8]}"#), data: eightBytes))
    #expect(error == .unknownDtype(tensor: "t", dtype: dtype))
}
