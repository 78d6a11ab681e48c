/// Finds `KEY=VALUE` and `KEY: VALUE` pairs with numeric values in one line of output, as in the
/// seed's `step: 100, loss: 560.782349, accuracy: 0.433594`, a shell's `loss=0.25 acc=0.91`, or
/// Keras' `loss: 0.3 - accuracy: 0.9`; and a whole line `WORDS: VALUE` such as
/// `Test Accuracy: 0.9368` (key `test_accuracy`).
enum PairScanner {
    /// A key as bytes of the line (`loss`), or as text made from it (`test_accuracy`).
    enum Key {
        case bytes(Range<Int>)
        case text(String)
    }

    struct Pair {
        let key: Key
        let value: Double
    }

    /// The pairs of `line`, and whether nothing else is on it (only separators between pairs).
    static func scan(_ line: UnsafeBufferPointer<UInt8>) -> (pairs: [Pair], isOnlyPairs: Bool) {
        if let whole = wholeLinePair(line) { return ([whole], true) }
        var pairs: [Pair] = []
        pairs.reserveCapacity(4)
        var isOnlyPairs = true
        var index = 0
        let count = line.count
        while index < count {
            let byte = line[index]
            if isSeparator(byte) || (byte == 0x2D && (index + 1 == count || isBlank(line[index + 1]))) {
                index += 1
                continue
            }
            if isKeyStart(byte), let (pair, end) = pair(in: line, at: index) {
                pairs.append(pair)
                index = end
                continue
            }
            // Something that is not a pair: skip the word.
            isOnlyPairs = false
            while index < count, !isSeparator(line[index]) { index += 1 }
        }
        return (pairs, isOnlyPairs && !pairs.isEmpty)
    }

    /// A pair starting at `start`: key characters, optional spaces, `=` or `:`, optional spaces, a
    /// finite number ending at a separator or the end of the line.
    private static func pair(in line: UnsafeBufferPointer<UInt8>, at start: Int) -> (Pair, Int)? {
        var index = start
        while index < line.count, isKeyByte(line[index]) { index += 1 }
        let keyEnd = index
        // A key may end in ':' only as the separator itself.
        while index < line.count, line[index] == 0x20 { index += 1 }
        guard index < line.count, line[index] == 0x3D || line[index] == 0x3A else { return nil }
        index += 1
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard let (value, end) = number(in: line, at: index) else { return nil }
        return (Pair(key: .bytes(start..<keyEnd), value: value), end)
    }

    /// `Words With Spaces: 0.93` as the whole line (leading and trailing blanks aside).
    private static func wholeLinePair(_ line: UnsafeBufferPointer<UInt8>) -> Pair? {
        var start = 0
        while start < line.count, isBlank(line[start]) { start += 1 }
        guard start < line.count, isLetter(line[start]) else { return nil }
        var index = start
        var hasSpace = false
        while index < line.count, isKeyByte(line[index]) || line[index] == 0x20 {
            if line[index] == 0x20 { hasSpace = true }
            index += 1
        }
        guard hasSpace, index < line.count, line[index] == 0x3A || line[index] == 0x3D else { return nil }
        let words = UnsafeBufferPointer(rebasing: line[start..<index])
        index += 1
        while index < line.count, isBlank(line[index]) { index += 1 }
        guard let (value, end) = number(in: line, at: index) else { return nil }
        var rest = end
        while rest < line.count, isBlank(line[rest]) { rest += 1 }
        guard rest == line.count else { return nil }
        let key = String(decoding: words, as: UTF8.self).lowercased()
            .split(separator: " ").joined(separator: "_")
        return Pair(key: .text(key), value: value)
    }

    /// A finite decimal number (`-1.5e-3`, `.5`, `42`) at `start` that ends at a separator or the
    /// end of the line; nil otherwise (`95%`, `5ms`, `nan`).
    static func number(in line: UnsafeBufferPointer<UInt8>, at start: Int) -> (Double, Int)? {
        var index = start
        if index < line.count, line[index] == 0x2D || line[index] == 0x2B { index += 1 }
        var digits = 0
        while index < line.count, isDigit(line[index]) { index += 1; digits += 1 }
        if index < line.count, line[index] == 0x2E {
            index += 1
            while index < line.count, isDigit(line[index]) { index += 1; digits += 1 }
        }
        guard digits > 0, digits <= 40 else { return nil }
        if index < line.count, line[index] == 0x65 || line[index] == 0x45 {
            var exponent = index + 1
            if exponent < line.count, line[exponent] == 0x2D || line[exponent] == 0x2B { exponent += 1 }
            var exponentDigits = 0
            while exponent < line.count, isDigit(line[exponent]), exponentDigits < 5 { exponent += 1; exponentDigits += 1 }
            if exponentDigits > 0 { index = exponent }
        }
        guard index == line.count || isSeparator(line[index]) || isCloser(line[index]) else { return nil }
        guard let value = DecimalParser.value(UnsafeBufferPointer(rebasing: line[start..<index])), value.isFinite else { return nil }
        return (value, index)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    static func isKeyStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == 0x5F }
    /// Letters, digits and `_ . / -` (`val_loss`, `train/loss`, `top-5`).
    static func isKeyByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == 0x5F || byte == 0x2E || byte == 0x2F || byte == 0x2D
    }
    /// Blanks and `, ; |`, and a dash standing alone (Keras' ` - `), between pairs.
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x2C || byte == 0x3B || byte == 0x7C
    }
    static func isCloser(_ byte: UInt8) -> Bool { byte == 0x29 || byte == 0x5D || byte == 0x7D }
}
