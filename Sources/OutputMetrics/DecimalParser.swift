/// Reads a decimal number from bytes. Most printed metrics have few digits, and for those
/// (at most 19 significant digits, a mantissa below 2^53 and a power of ten within ±22) one exact
/// multiplication or division by a power of ten gives the correctly rounded value (Clinger's fast
/// path); anything else goes through the standard library's `Double(_:)`, which also rounds
/// correctly. Either way the value is the one `strtod` or Python's `float()` would give.
enum DecimalParser {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value of `text`, which must already be a valid decimal (`-1.5e-3`, `42`, `.5`).
    static func value(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var isNegative = false
        if index < text.count, text[index] == 0x2D || text[index] == 0x2B {
            isNegative = text[index] == 0x2D
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawPoint = false
        while index < text.count {
            let byte = text[index]
            if byte >= 0x30 && byte <= 0x39 {
                if digits > 0 || byte != 0x30 {
                    guard digits < 19 else { return slowPath(text) }
                    mantissa = mantissa * 10 + UInt64(byte - 0x30)
                    digits += 1
                }
                if sawPoint { exponent -= 1 }
            } else if byte == 0x2E, !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        if index < text.count {  // an exponent
            guard text[index] == 0x65 || text[index] == 0x45 else { return slowPath(text) }
            index += 1
            var exponentSign = 1
            if index < text.count, text[index] == 0x2D || text[index] == 0x2B {
                exponentSign = text[index] == 0x2D ? -1 : 1
                index += 1
            }
            var written = 0
            var count = 0
            while index < text.count, text[index] >= 0x30 && text[index] <= 0x39, count < 6 {
                written = written * 10 + Int(text[index] - 0x30)
                index += 1
                count += 1
            }
            guard index == text.count, count > 0 else { return slowPath(text) }
            exponent += exponentSign * written
        }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return slowPath(text) }
        let magnitude = exponent < 0 ? Double(mantissa) / powersOfTen[-exponent] : Double(mantissa) * powersOfTen[exponent]
        return isNegative ? -magnitude : magnitude
    }

    private static func slowPath(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        Double(String(decoding: text, as: UTF8.self))
    }
}
