import Foundation
import FuzzHarness
import ModelFormats

// libFuzzer target for the safetensors decoder (and the strict JSON parser under it); FuzzHarness
// says how it runs, and `--write-seeds DIR` writes the seed corpus.
//
// Whatever decodes must encode and decode again to the same tensors, bit for bit, and the same
// metadata, and encoding is then a fixed point; every refusal must read as one line.

/// Returns why the input was rejected, or nil when it decoded.
func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    let decoded: (tensors: [Tensor], metadata: [String: String])
    do {
        decoded = try Safetensors.decode(bytes)
    } catch {
        precondition(!error.description.contains("\n"), "a refusal spans lines: \(error.description)")
        return error
    }
    let encoded = Safetensors.encode(decoded.tensors, metadata: decoded.metadata)
    let again: (tensors: [Tensor], metadata: [String: String])
    do { again = try Safetensors.decode(encoded) } catch { preconditionFailure("a re-encoded file is refused: \(error)") }
    precondition(again.metadata == decoded.metadata, "metadata changed in a round trip")
    precondition(again.tensors.count == decoded.tensors.count
        && zip(again.tensors, decoded.tensors).allSatisfy { $0.isBitIdentical(to: $1) }, "tensors changed in a round trip")
    precondition(Safetensors.encode(again.tensors, metadata: again.metadata) == encoded, "encoding is not a fixed point")
    return nil
}

/// The six tensors of a 4-3-2-10 network under nnreg's export names, values a few sixteenths apart.
func sampleTensors() -> [Tensor] {
    let shapes: [(String, [Int])] = [
        ("weights.h1", [4, 3]), ("biases.b1", [3]), ("weights.h2", [3, 2]), ("biases.b2", [2]),
        ("weights.out", [2, 10]), ("biases.out", [10]),
    ]
    var next: Float = -2
    return shapes.map { name, shape in
        Tensor(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in
            next += 0.0625
            return next
        })
    }
}

/// A file with the given header text and data bytes.
func file(_ header: String, _ data: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8) + data
}

/// Seeds: a valid export with metadata, one with escaped names and an empty tensor, and broken files
/// that each reach a different refusal.
func seeds() -> [(name: String, bytes: [UInt8])] {
    let valid = Safetensors.encode(sampleTensors(), metadata: [
        "format": "nnreg", "nnreg.run": "brisk-otter-42", "nnreg.step": "5000", "nnreg.test_accuracy": "0.9368",
    ])
    let one: [UInt8] = [0, 0, 0x80, 0x3F]
    let nan: [UInt8] = [0, 0, 0xC0, 0x7F]
    return [
        ("valid", valid),
        ("escapes", file(#"{"__metadata__":{"k\u00e9":"\ud83d\ude42\n"},"a\"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""empty":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"s":{"shape":[],"dtype":"F32","data_offsets":[4,8]}}  "#,
            one + one)),
        ("truncated", Array(valid.dropLast(6))),
        ("f64", file(#"{"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, one + one)),
        ("nan", file(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, one + nan)),
        ("overlap", file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, one + one)),
        ("duplicate", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, one + one)),
        ("bad-json", file(#"{"a":{"dtype":"F32","shape":[1.5e3],"data_offsets":[0,4]},"b":[[[[{"x":"\ud800"}]]]]}"#, one)),
        ("huge-claim", withUnsafeBytes(of: UInt64(100_000_000).littleEndian) { Array($0) } + Array(#"{"a":1}     "#.utf8)),
    ]
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne, seeds: seeds) }
}
