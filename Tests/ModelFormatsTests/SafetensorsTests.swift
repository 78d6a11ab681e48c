import Testing
@testable import ModelFormats

/// The six tensors nnreg exports for a 784-h1-h2-10 network, here 6-4-3-10 with distinct values.
func sampleTensors() -> [Tensor] {
    let sizes: [(String, [Int])] = [
        ("weights.h1", [6, 4]), ("biases.b1", [4]), ("weights.h2", [4, 3]), ("biases.b2", [3]),
        ("weights.out", [3, 10]), ("biases.out", [10]),
    ]
    var next: Float = -1.5
    return sizes.map { name, shape in
        let values = (0..<shape.reduce(1, *)).map { _ in
            next += 0.0625
            return next
        }
        return Tensor(name: name, shape: shape, values: values)
    }
}

func headerLength(_ file: [UInt8]) -> Int {
    file[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
}

@Test func roundTripKeepsValuesOrderAndMetadata() throws {
    let tensors = sampleTensors()
    let metadata = ["format": "pt", "nnreg.run": "brisk-otter-42", "accuracy": "0.9368"]
    let file = Safetensors.encode(tensors, metadata: metadata)
    let length = headerLength(file)
    #expect(length % 8 == 0)
    #expect(file.count == 8 + length + 4 * tensors.reduce(0) { $0 + $1.values.count })
    let decoded = try Safetensors.decode(file)
    #expect(decoded.metadata == metadata)
    #expect(decoded.tensors.map(\.name) == tensors.map(\.name))
    #expect(zip(decoded.tensors, tensors).allSatisfy { $0.isBitIdentical(to: $1) })
}

@Test func roundTripIsBitExactForAwkwardValues() throws {
    let values: [Float] = [-0.0, 0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                           -.greatestFiniteMagnitude, .ulpOfOne, 1 / 3, -7.25e-30]
    let tensors = [
        Tensor(name: "awkward", shape: [3, 3], values: values),
        Tensor(name: "scalar", shape: [], values: [42]),
        Tensor(name: "empty", shape: [0, 5], values: []),
        Tensor(name: "tab\tquote\"slash\\ nl\n é 🙂 \u{01}", shape: [1], values: [1]),
    ]
    let decoded = try Safetensors.decode(Safetensors.encode(tensors, metadata: ["k\"\u{7}": "v\n🙂"]))
    #expect(decoded.metadata == ["k\"\u{7}": "v\n🙂"])
    #expect(decoded.tensors.count == 4)
    #expect(zip(decoded.tensors, tensors).allSatisfy { $0.isBitIdentical(to: $1) })
    #expect(decoded.tensors[0].values[0].sign == .minus)
}

@Test func headerLayoutMatchesTheReferenceWriter() throws {
    let file = Safetensors.encode([Tensor(name: "b", shape: [2], values: [1, -2])], metadata: ["x": "y"])
    let header = String(decoding: file[8..<(8 + headerLength(file))], as: UTF8.self)
    let json = #"{"__metadata__":{"x":"y"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    #expect(header == json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8))
    #expect(Array(file.suffix(8)) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
}

@Test func emptyMetadataIsOmitted() throws {
    let file = Safetensors.encode([], metadata: [:])
    #expect(file == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    let decoded = try Safetensors.decode(file)
    #expect(decoded.tensors.isEmpty && decoded.metadata.isEmpty)
}

@Test func decodeOrdersTensorsByOffset() throws {
    let header = #"{"late":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"#
        + #""early":{"data_offsets":[0,4],"shape":[1],"dtype":"F32"}}"#
    let decoded = try Safetensors.decode(safetensorsFile(header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
    #expect(decoded.tensors == [Tensor(name: "early", shape: [1], values: [1]), Tensor(name: "late", shape: [1], values: [2])])
}

@Test func decodeAcceptsJSONWhitespaceAndEscapedNames() throws {
    let header = "{\n\t\"w\\u00e9\\ud83d\\ude42\" : { \"dtype\" : \"F32\", \"shape\" : [ 1 ], \"data_offsets\" : [ 0 , 4 ] } }\r\n "
    let decoded = try Safetensors.decode(safetensorsFile(header, data: [0, 0, 0, 0]))
    #expect(decoded.tensors.map(\.name) == ["wé🙂"])
    let leading = try #require(refusal(safetensorsFile(" " + header, data: [0, 0, 0, 0])))
    #expect(leading == .invalidJSON(offset: 0, reason: "whitespace before the header's '{', which the reference reader refuses"))
}

@Test func zeroSizedTensorsSitBetweenOthers() throws {
    let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"#
        + #""b":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}"#
    let decoded = try Safetensors.decode(safetensorsFile(header, data: [UInt8](repeating: 0, count: 8)))
    #expect(decoded.tensors.map(\.name) == ["a", "z", "b"])
    #expect(decoded.tensors[1].values.isEmpty && decoded.tensors[2].shape == [1, 1])
}
