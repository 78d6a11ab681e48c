/// The writing half of the protocol buffers wire format, as much as an ONNX model needs: varints and
/// length-delimited fields (strings, bytes, nested messages). Fields are written in the order they
/// are appended; callers append them in field-number order, as protoc-generated code does.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types of a field key's low three bits.
    private static let varintType: UInt64 = 0, lengthDelimitedType: UInt64 = 2

    /// Base-128 little-endian groups of 7 bits, the high bit set on all but the last byte.
    static func varint(_ value: UInt64) -> [UInt8] {
        var encoded: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            encoded.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        encoded.append(UInt8(rest))
        return encoded
    }

    private mutating func key(_ number: Int, _ wireType: UInt64) {
        precondition(number > 0 && number < 1 << 29, "protobuf field number \(number) is out of range")
        bytes.append(contentsOf: Self.varint(UInt64(number) << 3 | wireType))
    }

    /// An `int64`, `int32` or enum field; negative values take ten bytes, as the format says.
    mutating func field(_ number: Int, int64 value: Int64) {
        key(number, Self.varintType)
        bytes.append(contentsOf: Self.varint(UInt64(bitPattern: value)))
    }

    mutating func field(_ number: Int, bytes value: [UInt8]) {
        key(number, Self.lengthDelimitedType)
        bytes.append(contentsOf: Self.varint(UInt64(value.count)))
        bytes.append(contentsOf: value)
    }

    mutating func field(_ number: Int, string value: String) {
        field(number, bytes: Array(value.utf8))
    }

    /// A nested message, written by `build` into a writer of its own.
    mutating func field(_ number: Int, message build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        field(number, bytes: nested.bytes)
    }
}
