extension JSONText {
    /// Why the escape after a backslash in a JSON string was refused (`decodeEscape`).
    public enum EscapeError: Error, Equatable, CustomStringConvertible {
        /// The text ends right after the backslash.
        case cutOff
        /// The backslash is followed by a byte that starts no escape.
        case unknown(UInt8)
        /// `\u` is not followed by four hex digits.
        case notHex
        /// A `\u` low surrogate (DC00–DFFF) with no high one before it.
        case unpairedLow(UInt32)
        /// A `\u` high surrogate (D800–DBFF) not followed by a `\u` escape.
        case highAlone(UInt32)
        /// A `\u` high surrogate followed by a `\u` escape that is not a low surrogate.
        case highBefore(UInt32, next: UInt32)

        /// What is wrong, in the words of a reader that says no more (the safetensors parser says more).
        public var description: String {
            switch self {
            case .cutOff: "an escape is cut off"
            case .unknown: "an invalid escape"
            case .notHex: "an invalid \\u escape"
            case .unpairedLow, .highAlone, .highBefore: "a lone surrogate"
            }
        }

        /// `code` as the four uppercase hex digits of its `\u` escape.
        public static func hex(_ code: UInt32) -> String {
            let digits = String(code, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }

    /// Decodes the escape after a backslash in a JSON string (RFC 8259, section 7): `bytes[position]`
    /// is its first byte (`n`, `u`, …). Appends the UTF-8 of what it stands for to `utf8` and moves
    /// `position` past it; a surrogate pair's two `\u` escapes are one scalar. When it throws,
    /// `position` is where the fault is: the letter after the backslash, the first byte that is not a
    /// hex digit, or the end of the surrogate's escape.
    public static func decodeEscape<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, at position: inout Int, into utf8: inout [UInt8]
    ) throws(EscapeError) where Bytes.Index == Int {
        guard position < bytes.endIndex else { throw .cutOff }
        let letter = bytes[position]
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(letter)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            position += 1
            var code = try hexQuad(bytes, at: &position)
            if (0xDC00...0xDFFF).contains(code) { throw .unpairedLow(code) }
            if (0xD800...0xDBFF).contains(code) {
                guard position + 1 < bytes.endIndex, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw .highAlone(code)
                }
                position += 2
                let low = try hexQuad(bytes, at: &position)
                guard (0xDC00...0xDFFF).contains(low) else { throw .highBefore(code, next: low) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            // Every code outside the surrogates is a scalar.
            UTF8.encode(Unicode.Scalar(code)!) { utf8.append($0) }
            return
        default: throw .unknown(letter)
        }
        position += 1
    }

    /// Four hex digits at `position`, moving past them.
    private static func hexQuad<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at position: inout Int) throws(EscapeError) -> UInt32
    where Bytes.Index == Int {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.endIndex else { throw .notHex }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .notHex
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
