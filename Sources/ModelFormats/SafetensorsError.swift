/// Why `Safetensors.decode` refused a file. Each case's description is one line that names the
/// problem and, where there is one, the tensor; byte offsets in header errors count from the first
/// byte of the JSON header.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case fileTooShort(byteCount: Int)
    case emptyHeader
    case headerTooLarge(length: UInt64)
    case headerBeyondFile(length: UInt64, available: Int)
    case headerNotUTF8(offset: Int)
    case invalidJSON(offset: Int, reason: String)
    case trailingGarbage(offset: Int)
    case headerNotObject(found: String)
    case duplicateKey(String, offset: Int)
    case invalidMetadata(reason: String)
    case entryNotObject(tensor: String, found: String)
    case missingField(tensor: String, field: String)
    case unexpectedField(tensor: String, field: String)
    case wrongFieldType(tensor: String, field: String, found: String, expected: String)
    case unknownDtype(tensor: String, dtype: String)
    case unsupportedDtype(tensor: String, dtype: String)
    case invalidDimension(tensor: String, index: Int, reason: String)
    case elementCountOverflow(tensor: String)
    case invalidOffsets(tensor: String, reason: String)
    case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
    case offsetsBeyondBuffer(tensor: String, end: Int, bufferSize: Int)
    case overlap(tensor: String, other: String)
    case gap(tensor: String, bytes: Int)
    case trailingBytes(count: Int)
    case nonFiniteValue(tensor: String, index: Int)

    /// The largest header the decoder reads, as in the reference implementation.
    public static let maxHeaderLength: UInt64 = 100_000_000

    public var description: String {
        switch self {
        case .fileTooShort(let count):
            "safetensors file is \(count) bytes long, shorter than its 8-byte header length"
        case .emptyHeader:
            "safetensors header length is 0; a header is at least \"{}\""
        case .headerTooLarge(let length):
            "safetensors header claims \(length) bytes, more than the \(Self.maxHeaderLength)-byte limit"
        case .headerBeyondFile(let length, let available):
            "safetensors header claims \(length) bytes but only \(available) follow the length"
        case .headerNotUTF8(let offset):
            "safetensors header is not valid UTF-8 at byte \(offset)"
        case .invalidJSON(let offset, let reason):
            "safetensors header is not valid JSON at byte \(offset): \(reason)"
        case .trailingGarbage(let offset):
            "safetensors header has data after its JSON object at byte \(offset) (only spaces may pad it)"
        case .headerNotObject(let found):
            "safetensors header is a JSON \(found), not an object"
        case .duplicateKey(let key, let offset):
            "safetensors header has the key \(quoted(key)) twice (again at byte \(offset))"
        case .invalidMetadata(let reason):
            "safetensors __metadata__ \(reason); it must be an object of string values"
        case .entryNotObject(let tensor, let found):
            "tensor \(quoted(tensor)) is described by a JSON \(found), not an object"
        case .missingField(let tensor, let field):
            "tensor \(quoted(tensor)) has no \(field)"
        case .unexpectedField(let tensor, let field):
            "tensor \(quoted(tensor)) has an unknown field \(quoted(field)); only dtype, shape and data_offsets are allowed"
        case .wrongFieldType(let tensor, let field, let found, let expected):
            "tensor \(quoted(tensor)) has a \(field) that is a \(found), expected \(expected)"
        case .unknownDtype(let tensor, let dtype):
            "tensor \(quoted(tensor)) has unknown dtype \(quoted(dtype))"
        case .unsupportedDtype(let tensor, let dtype):
            "tensor \(quoted(tensor)) has dtype \(dtype); nnreg reads F32 only"
        case .invalidDimension(let tensor, let index, let reason):
            "tensor \(quoted(tensor)) has shape dimension \(index) that \(reason); dimensions are non-negative integers"
        case .elementCountOverflow(let tensor):
            "tensor \(quoted(tensor)) has a shape whose byte size overflows a 64-bit integer"
        case .invalidOffsets(let tensor, let reason):
            "tensor \(quoted(tensor)) has invalid data_offsets: \(reason)"
        case .sizeMismatch(let tensor, let expectedBytes, let actualBytes):
            "tensor \(quoted(tensor)) needs \(expectedBytes) bytes for its shape but its data_offsets span \(actualBytes) bytes"
        case .offsetsBeyondBuffer(let tensor, let end, let bufferSize):
            "tensor \(quoted(tensor)) ends at byte \(end) of the data but the data is only \(bufferSize) bytes"
        case .overlap(let tensor, let other):
            "tensor \(quoted(tensor)) overlaps tensor \(quoted(other))"
        case .gap(let tensor, let bytes):
            "\(bytes) unused bytes before tensor \(quoted(tensor))"
        case .trailingBytes(let count):
            "\(count) trailing bytes after the last tensor"
        case .nonFiniteValue(let tensor, let index):
            "tensor \(quoted(tensor)) has a NaN or infinite value at index \(index)"
        }
    }
}

/// A name from a file as a one-line quoted string: escapes newlines and quotes, cut at 80 characters.
func quoted(_ text: String) -> String {
    let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
    return shown.debugDescription
}
