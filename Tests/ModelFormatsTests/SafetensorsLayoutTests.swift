import Testing
@testable import ModelFormats

private func f32(_ shape: String, _ offsets: String) -> String {
    #"{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}"#
}

private func tensors(_ entries: [(String, String)], data: Int) -> SafetensorsError? {
    let header = "{" + entries.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    return refusal(safetensorsFile(header, data: [UInt8](repeating: 0, count: data)))
}

@Test(arguments: [
    ("[-1]", "is -1, negative"), ("[2.0]", "is 2.0, not an integer"), ("[1e3]", "is 1e3, not an integer"),
    ("[99999999999999999999]", "is 99999999999999999999, too large"), (#"["2"]"#, "is a JSON string"), ("[null]", "is a JSON null"),
])
func refusesBadDimensions(shape: String, reason: String) {
    #expect(tensors([("t", f32(shape, "[0,0]"))], data: 0) == .invalidDimension(tensor: "t", index: 0, reason: reason))
}

@Test func refusesShapesWhoseSizeOverflows() {
    #expect(tensors([("t", f32("[4294967296,4294967296]", "[0,0]"))], data: 0) == .elementCountOverflow(tensor: "t"))
    #expect(tensors([("t", f32("[2305843009213693952,1]", "[0,0]"))], data: 0) == .elementCountOverflow(tensor: "t"))
    #expect(tensors([("t", f32("[3037000500,3037000500]", "[0,0]"))], data: 0) == .elementCountOverflow(tensor: "t"))
    #expect(tensors([("t", f32("[9223372036854775807,0]", "[0,0]"))], data: 0) == nil)
}

@Test(arguments: [
    ("[0]", "1 values, expected [begin, end]"), ("[0,8,8]", "3 values, expected [begin, end]"),
    ("[-8,0]", "begin is -8, negative"), ("[0.0,8]", "begin is 0.0, not an integer"), (#"[0,"8"]"#, "end is a JSON string"),
    ("[0,1e400]", "end is 1e400, not an integer"), ("[0,99999999999999999999]", "end is 99999999999999999999, too large"),
    ("[8,0]", "begin 8 is after end 0"),
])
func refusesBadOffsets(offsets: String, reason: String) {
    #expect(tensors([("t", f32("[2]", offsets))], data: 8) == .invalidOffsets(tensor: "t", reason: reason))
}

@Test func refusesOffsetsThatDisagreeWithTheData() {
    #expect(tensors([("t", f32("[2]", "[0,4]"))], data: 4) == .sizeMismatch(tensor: "t", expectedBytes: 8, actualBytes: 4))
    #expect(tensors([("t", f32("[2,3]", "[0,20]"))], data: 20) == .sizeMismatch(tensor: "t", expectedBytes: 24, actualBytes: 20))
    #expect(tensors([("t", f32("[2]", "[0,8]"))], data: 4) == .offsetsBeyondBuffer(tensor: "t", end: 8, bufferSize: 4))
    #expect(tensors([("t", f32("[2]", "[4,12]"))], data: 8) == .offsetsBeyondBuffer(tensor: "t", end: 12, bufferSize: 8))
}

@Test func refusesOverlapsGapsAndTrailingBytes() throws {
    #expect(tensors([("a", f32("[2]", "[0,8]")), ("b", f32("[2]", "[4,12]"))], data: 12) == .overlap(tensor: "b", other: "a"))
    #expect(tensors([("a", f32("[2]", "[0,8]")), ("b", f32("[2]", "[0,8]"))], data: 8) == .overlap(tensor: "b", other: "a"))
    #expect(tensors([("a", f32("[2]", "[0,8]")), ("z", f32("[0]", "[4,4]"))], data: 8) == .overlap(tensor: "z", other: "a"))
    #expect(tensors([("a", f32("[1]", "[0,4]")), ("b", f32("[1]", "[8,12]"))], data: 12) == .gap(tensor: "b", bytes: 4))
    #expect(tensors([("a", f32("[1]", "[4,8]"))], data: 8) == .gap(tensor: "a", bytes: 4))
    let trailing = try #require(tensors([("a", f32("[1]", "[0,4]"))], data: 7))
    #expect(trailing == .trailingBytes(count: 3))
    #expect(trailing.description == "3 trailing bytes after the last tensor")
    #expect(tensors([], data: 1) == .trailingBytes(count: 1))
}

@Test(arguments: [(Float.nan, 1), (Float.infinity, 2), (-Float.infinity, 0), (Float.signalingNaN, 3)])
func refusesNonFiniteValues(value: Float, index: Int) throws {
    var values: [Float] = [1, 2, 3, 4]
    values[index] = value
    let good = Tensor(name: "good", shape: [1], values: [0])
    let error = try #require(refusal(Safetensors.encode([good, Tensor(name: "weights.h1", shape: [2, 2], values: values)], metadata: [:])))
    #expect(error == .nonFiniteValue(tensor: "weights.h1", index: index))
    #expect(error.description.contains("\"weights.h1\"") && error.description.contains("index \(index)"))
}

@Test func refusesMetadataThatIsNotAnObjectOfStrings() {
    let entry = #","t":"# + f32("[1]", "[0,4]") + "}"
    func metadata(_ json: String) -> SafetensorsError? { refusal(safetensorsFile(#"{"__metadata__":"# + json + entry, data: [0, 0, 0, 0])) }
    #expect(metadata("[]") == .invalidMetadata(reason: "is a JSON array, not an object"))
    #expect(metadata("null") == .invalidMetadata(reason: "is a JSON null, not an object"))
    #expect(metadata(#"{"ok":"yes","steps":5000}"#) == .invalidMetadata(reason: "value of \"steps\" is a JSON number"))
    #expect(metadata(#"{"ok":"yes"}"#) == nil)
}

/// Every refusal reads as one line, names the tensor when there is one, and survives hostile names.
@Test func descriptionsAreSingleLines() {
    let hostile = "line\nbreak" + String(repeating: "x", count: 500)
    let errors: [SafetensorsError] = [
        .fileTooShort(byteCount: 3), .emptyHeader, .headerTooLarge(length: .max), .headerBeyondFile(length: 9, available: 1),
        .headerNotUTF8(offset: 1), .invalidJSON(offset: 1, reason: "r"), .trailingGarbage(offset: 1), .headerNotObject(found: "array"),
        .duplicateKey(hostile, offset: 1), .invalidMetadata(reason: "r"), .entryNotObject(tensor: hostile, found: "array"),
        .missingField(tensor: hostile, field: "shape"), .unexpectedField(tensor: hostile, field: hostile),
        .wrongFieldType(tensor: hostile, field: "shape", found: "string", expected: "e"), .unknownDtype(tensor: hostile, dtype: hostile),
        .unsupportedDtype(tensor: hostile, dtype: "F64"), .invalidDimension(tensor: hostile, index: 0, reason: "r"),
        .elementCountOverflow(tensor: hostile), .invalidOffsets(tensor: hostile, reason: "r"),
        .sizeMismatch(tensor: hostile, expectedBytes: 8, actualBytes: 4), .offsetsBeyondBuffer(tensor: hostile, end: 8, bufferSize: 4),
        .overlap(tensor: hostile, other: hostile), .gap(tensor: hostile, bytes: 4), .trailingBytes(count: 1),
        .nonFiniteValue(tensor: hostile, index: 0),
    ]
    for error in errors {
        #expect(!error.description.isEmpty && !error.description.contains("\n") && error.description.count < 400, "\(error)")
    }
}
