/// Reads back the protobuf the exporter writes, for assertions: the fields of one message in order,
/// varints as numbers and length-delimited fields as bytes (which may be strings or messages).
struct ProtobufReader {
    enum Value: Equatable {
        case varint(UInt64)
        case bytes([UInt8])
    }

    struct Malformed: Error {}

    static func fields(_ bytes: [UInt8]) throws -> [(number: Int, value: Value)] {
        var fields: [(number: Int, value: Value)] = []
        var position = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        while position < bytes.count {
            let key = try varint()
            switch key & 7 {
            case 0: fields.append((Int(key >> 3), .varint(try varint())))
            case 2:
                let length = Int(try varint())
                guard length <= bytes.count - position else { throw Malformed() }
                fields.append((Int(key >> 3), .bytes(Array(bytes[position..<(position + length)]))))
                position += length
            default: throw Malformed()
            }
        }
        return fields
    }

    /// The values of field `number`, in order.
    static func all(_ number: Int, in bytes: [UInt8]) throws -> [Value] {
        try fields(bytes).filter { $0.number == number }.map(\.value)
    }

    static func strings(_ number: Int, in bytes: [UInt8]) throws -> [String] {
        try all(number, in: bytes).compactMap { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }
    }

    static func messages(_ number: Int, in bytes: [UInt8]) throws -> [[UInt8]] {
        try all(number, in: bytes).compactMap { if case .bytes(let b) = $0 { b } else { nil } }
    }

    static func varints(_ number: Int, in bytes: [UInt8]) throws -> [UInt64] {
        try all(number, in: bytes).compactMap { if case .varint(let v) = $0 { v } else { nil } }
    }
}
