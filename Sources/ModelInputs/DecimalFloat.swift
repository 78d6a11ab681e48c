import Foundation

/// Decimal number text to the nearest Float32 (round half to even), as `strtof` gives it, fast for
/// the numbers scoring requests carry: up to 19 significant digits and a power of ten within ±22
/// go through one Double division and a rounding to Float, which is exact unless the Double lies
/// on or next to a Float midpoint; everything else goes to `strtof`.
package enum DecimalFloat {
    /// Exact powers of ten as Double.
    private static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// Reads `[+-]?digits[.digits][(e|E)[+-]?digits]` (a leading or trailing `.` allowed) at
    /// `text[index...]`, moving `index` past it; nil (index unchanged) when no number starts there.
    package static func read(_ text: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Float? {
        let start = index
        var i = index
        let end = text.count
        var negative = false
        if i < end, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0, dropped = 0, fraction = 0
        let digitsStart = i
        // Leading zeros add nothing; then up to 19 significant digits fit in the mantissa.
        while i < end, text[i] == UInt8(ascii: "0") { i += 1 }
        while i < end, text[i] &- 48 < 10 {
            if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(text[i] &- 48); significant += 1 } else { dropped += 1 }
            i += 1
        }
        var digits = i - digitsStart
        if i < end, text[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            if mantissa == 0 { while i < end, text[i] == UInt8(ascii: "0") { i += 1; fraction += 1 } }
            // Eight digits at a time while they fit (a float's text is mostly its fraction).
            while significant <= 11, i + 8 <= end, let eight = Self.eightDigits(text, at: i) {
                mantissa = mantissa &* 100_000_000 &+ eight
                significant += 8; fraction += 8; i += 8
            }
            while i < end, text[i] &- 48 < 10 {
                let d = text[i] &- 48
                if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(d); significant += 1; fraction += 1 } else if d != 0 { dropped += 1 }
                i += 1
            }
            digits += i - fractionStart
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < end, text[i] | 0x20 == UInt8(ascii: "e") {
            var j = i + 1
            var negativeExponent = false
            if j < end, text[j] == UInt8(ascii: "-") || text[j] == UInt8(ascii: "+") {
                negativeExponent = text[j] == UInt8(ascii: "-")
                j += 1
            }
            var exponentDigits = 0
            while j < end, text[j] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[j] &- 48) }
                j += 1; exponentDigits += 1
            }
            guard exponentDigits > 0 else { return nil }
            if negativeExponent { exponent = -exponent }
            i = j
        }
        index = i
        if mantissa == 0 && dropped == 0 { return negative ? -0.0 : 0.0 }
        let power = exponent - fraction
        if dropped == 0, (-22...22).contains(power) {
            // Below 2^53 the mantissa and the power of ten are exact and one division or product rounds
            // correctly; above, the mantissa's rounding adds at most one more unit in the last place.
            // Rounding that Double to Float gives the correctly rounded Float unless a Float midpoint
            // (low 29 bits 1 followed by zeros) lies within a few units of it: those go to strtof.
            let m = Double(mantissa)
            let value = power < 0 ? m / powers[-power] : m * powers[power]
            let low = value.bitPattern & 0x1FFF_FFFF
            let slack: UInt64 = mantissa < 1 << 53 ? 0 : 4
            if value >= Double(Float.leastNormalMagnitude), low &+ slack &- 0x1000_0000 > 2 * slack {
                return negative ? -Float(value) : Float(value)
            }
        }
        return slowRead(text, start..<i)
    }

    /// The value of the eight bytes at `text[index...]` when all are ASCII digits (SWAR: one load,
    /// a check of every byte at once, three multiplications).
    @inline(__always)
    private static func eightDigits(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt64? {
        let bytes = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + index).loadUnaligned(as: UInt64.self))
        // Each byte 0x30...0x39: its high nibble is 3, and adding 6 keeps it 3.
        guard (bytes & 0xF0F0_F0F0_F0F0_F0F0) | (((bytes &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
                == 0x3333_3333_3333_3333 else { return nil }
        var value = bytes &- 0x3030_3030_3030_3030
        value = (value &* 10) &+ (value >> 8)
        value = (((value & 0x0000_00FF_0000_00FF) &* 0x000F_4240_0000_0064)
                 &+ (((value >> 16) & 0x0000_00FF_0000_00FF) &* 0x0000_2710_0000_0001)) >> 32
        return value
    }

    private static func slowRead(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Float {
        var copy = [CChar](repeating: 0, count: range.count + 1)
        for (k, i) in range.enumerated() { copy[k] = CChar(bitPattern: text[i]) }
        return copy.withUnsafeBufferPointer { strtof($0.baseAddress!, nil) }
    }
}
