/// Reads the numbers at the top level of a one-line JSON object (`{"step": 3, "loss": 0.5}`).
/// Strings, booleans, nulls, arrays and nested objects are skipped; anything that is not a complete
/// object ends the scan with nil. Written for speed and for whatever bytes a program prints: it
/// never recurses and never reads past the line.
enum JSONLineScanner {
    static func scan(_ line: UnsafeBufferPointer<UInt8>) -> [PairScanner.Pair]? {
        var index = 0
        skipBlanks(line, &index)
        guard index < line.count, line[index] == 0x7B else { return nil }  // {
        index += 1
        var pairs: [PairScanner.Pair] = []
        skipBlanks(line, &index)
        if index < line.count, line[index] == 0x7D { return trailingIsBlank(line, index + 1) ? pairs : nil }
        while true {
            skipBlanks(line, &index)
            guard let keyRange = string(line, &index) else { return nil }
            skipBlanks(line, &index)
            guard index < line.count, line[index] == 0x3A else { return nil }  // :
            index += 1
            skipBlanks(line, &index)
            guard index < line.count else { return nil }
            if line[index] == 0x2D || PairScanner.isDigit(line[index]) {
                let start = index
                while index < line.count, !isValueEnd(line[index]) { index += 1 }
                let number = UnsafeBufferPointer(rebasing: line[start..<index])
                // A number out of range (1e999) is skipped, as a string would be.
                if let (value, end) = PairScanner.number(in: number, at: 0), end == number.count,
                   !keyRange.hasEscape, !keyRange.range.isEmpty {
                    pairs.append(.init(key: .bytes(keyRange.range), value: value))
                }
            } else {
                guard skipValue(line, &index) else { return nil }
            }
            skipBlanks(line, &index)
            guard index < line.count else { return nil }
            if line[index] == 0x2C { index += 1; continue }  // ,
            guard line[index] == 0x7D else { return nil }  // }
            return trailingIsBlank(line, index + 1) ? pairs : nil
        }
    }

    /// A string at `index` (which must be `"`); the range of its contents.
    private static func string(_ line: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> (range: Range<Int>, hasEscape: Bool)? {
        guard index < line.count, line[index] == 0x22 else { return nil }
        let start = index + 1
        var hasEscape = false
        index = start
        while index < line.count {
            switch line[index] {
            case 0x5C: hasEscape = true; index += 2  // backslash
            case 0x22: defer { index += 1 }; return (start..<index, hasEscape)
            default: index += 1
            }
        }
        return nil
    }

    /// Skips a string, literal, array or object (nested to any depth, counted, not recursed).
    private static func skipValue(_ line: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        var depth = 0
        repeat {
            guard index < line.count else { return false }
            switch line[index] {
            case 0x22: guard string(line, &index) != nil else { return false }
            case 0x5B, 0x7B: depth += 1; index += 1
            case 0x5D, 0x7D:
                guard depth > 0 else { return false }
                depth -= 1; index += 1
            default:
                if depth == 0 {
                    let start = index
                    while index < line.count, !isValueEnd(line[index]) { index += 1 }
                    guard index > start else { return false }
                } else {
                    index += 1
                }
            }
        } while depth > 0
        return true
    }

    private static func isValueEnd(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x7D || byte == 0x5D || PairScanner.isBlank(byte)
    }

    private static func skipBlanks(_ line: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < line.count, PairScanner.isBlank(line[index]) { index += 1 }
    }

    private static func trailingIsBlank(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Bool {
        var index = from
        skipBlanks(line, &index)
        return index == line.count
    }
}
