import Testing
@testable import ModelFormats

private let knownVarints: [(UInt64, [UInt8])] = [
    (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
    (16_384, [0x80, 0x80, 0x01]), (.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
]

@Test(arguments: knownVarints)
func encodesVarints(value: UInt64, expected: [UInt8]) {
    #expect(ProtobufWriter.varint(value) == expected)
}

@Test func writesFieldKeysAndLengths() {
    var writer = ProtobufWriter()
    writer.field(1, int64: 150)
    writer.field(2, string: "testing")
    writer.field(3) { $0.field(1, int64: 150) }
    writer.field(20, int64: -1)
    #expect(writer.bytes == [0x08, 0x96, 0x01, 0x12, 0x07] + Array("testing".utf8) + [0x1A, 0x03, 0x08, 0x96, 0x01]
        + [0xA0, 0x01] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
}

/// A 4-3-2 network: sigmoid then softmax.
private func smallLayers() -> [DenseLayer] {
    [
        DenseLayer(weights: (0..<12).map { Float($0) / 10 }, inputs: 4, outputs: 3, bias: [0.1, -0.2, 0.3], activation: .sigmoid),
        DenseLayer(weights: [1, -1, 0.5, 0.25, -2, 2], inputs: 3, outputs: 2, bias: [0, 1], activation: .softmax),
    ]
}

@Test func modelHasTheHeaderFieldsAndMetadata() throws {
    let bytes = ONNXExport.model(layers: smallLayers(), producerVersion: "0.3.0", metadata: [("run", "brisk-otter-42"), ("seed", "3")])
    #expect(try ProtobufReader.fields(bytes).map(\.number) == [1, 2, 3, 7, 8, 14, 14])
    #expect(try ProtobufReader.varints(1, in: bytes) == [8])
    #expect(try ProtobufReader.strings(2, in: bytes) == ["nnreg"])
    #expect(try ProtobufReader.strings(3, in: bytes) == ["0.3.0"])
    let opset = try #require(try ProtobufReader.messages(8, in: bytes).first)
    #expect(try ProtobufReader.strings(1, in: opset) == [""] && ProtobufReader.varints(2, in: opset) == [13])
    let entries = try ProtobufReader.messages(14, in: bytes)
    #expect(try entries.map { try ProtobufReader.strings(1, in: $0) + ProtobufReader.strings(2, in: $0) }
        == [["run", "brisk-otter-42"], ["seed", "3"]])
}

@Test func graphChainsGemmsAndActivations() throws {
    let bytes = ONNXExport.model(layers: smallLayers(), producerVersion: "1", metadata: [])
    let graph = try #require(try ProtobufReader.messages(7, in: bytes).first)
    #expect(try ProtobufReader.strings(2, in: graph) == ["nnreg_mlp"])
    let nodes = try ProtobufReader.messages(1, in: graph)
    #expect(try nodes.map { try ProtobufReader.strings(4, in: $0) } == [["Gemm"], ["Sigmoid"], ["Gemm"], ["Softmax"]])
    #expect(try nodes.map { try ProtobufReader.strings(3, in: $0) } == [["Gemm_1"], ["Sigmoid_1"], ["Gemm_2"], ["Softmax_2"]])
    let inputs: [[String]] = try nodes.map { try ProtobufReader.strings(1, in: $0) }
    #expect(inputs == [["pixels", "W1", "b1"], ["dense1"], ["hidden1", "W2", "b2"], ["dense2"]])
    let outputs: [[String]] = try nodes.map { try ProtobufReader.strings(2, in: $0) }
    #expect(outputs == [["dense1"], ["hidden1"], ["dense2"], ["probabilities"]])
    let axis = try #require(try ProtobufReader.messages(5, in: nodes[3]).first)
    #expect(try ProtobufReader.strings(1, in: axis) == ["axis"])
    #expect(try ProtobufReader.varints(3, in: axis) == [1] && ProtobufReader.varints(20, in: axis) == [2])
    #expect(try ProtobufReader.messages(5, in: nodes[0]).isEmpty)
}

@Test func initializersHoldLittleEndianFloats() throws {
    let layers = smallLayers()
    let graph = try #require(try ProtobufReader.messages(7, in: ONNXExport.model(layers: layers, producerVersion: "1", metadata: [])).first)
    let initializers = try ProtobufReader.messages(5, in: graph)
    #expect(try initializers.map { try ProtobufReader.strings(8, in: $0) } == [["W1"], ["b1"], ["W2"], ["b2"]])
    #expect(try initializers.map { try ProtobufReader.varints(1, in: $0) } == [[4, 3], [3], [3, 2], [2]])
    #expect(try initializers.allSatisfy { try ProtobufReader.varints(2, in: $0) == [1] })
    let raw = try #require(try ProtobufReader.messages(9, in: initializers[2]).first)
    let floats: [Float] = stride(from: 0, to: raw.count, by: 4).map { i in
        let bits = raw[i..<(i + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Float(bitPattern: bits)
    }
    #expect(floats == layers[1].weights)
}

@Test func inputAndOutputAreFloatMatricesWithASymbolicBatch() throws {
    let graph = try #require(try ProtobufReader.messages(7, in: ONNXExport.model(
        layers: smallLayers(), inputName: "x", outputName: "y", producerVersion: "1", metadata: [])).first)
    for (field, name, width) in [(11, "x", UInt64(4)), (12, "y", 2)] {
        let info = try #require(try ProtobufReader.messages(field, in: graph).first)
        #expect(try ProtobufReader.strings(1, in: info) == [name])
        let type = try #require(try ProtobufReader.messages(2, in: info).first)
        let tensorType = try #require(try ProtobufReader.messages(1, in: type).first)
        #expect(try ProtobufReader.varints(1, in: tensorType) == [1])
        let shape = try #require(try ProtobufReader.messages(2, in: tensorType).first)
        let dims = try ProtobufReader.messages(1, in: shape)
        #expect(try dims.count == 2 && ProtobufReader.strings(2, in: dims[0]) == ["N"] && ProtobufReader.varints(1, in: dims[1]) == [width])
    }
}
