import Foundation

/// Rows of numbers from CSV text (a file for `predict --input`, a `text/csv` request body): one row
/// per non-empty line, cells separated by commas. A first line with no number in it is a header; a header column named `label` (any case) is left out, so a dataset's own CSV file can
/// be scored as it is. Every row has the same number of cells, each a finite number.
public enum CSVRows {
    /// `source` names the input in messages (`rows.csv`, "the request body").
    public static func rows(_ text: UnsafeBufferPointer<UInt8>, source: String, maxRows: Int) throws(InputError) -> FeatureRows {
        var values: [Float] = []
        var width: Int?
        var skipped: Int?
        var names: [String] = []
        var line = 0
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count, text[end] != 0x0A { end += 1 }
            line += 1
            var stop = end
            if stop > start, text[stop - 1] == 0x0D { stop -= 1 }
            defer { start = end + 1 }
            if isBlank(text, start..<stop) { continue }
            if width == nil, skipped == nil, names.isEmpty, let header = header(text, start..<stop) {
                let index = header.firstIndex { $0.lowercased() == "label" }
                skipped = index ?? -1
                width = header.count - (index == nil ? 0 : 1)
                continue
            }
            guard names.count < maxRows else {
                throw InputError("\(source) has more than \(maxRows) rows; send at most \(maxRows) at once", isTooLarge: true)
            }
            var cells = 0
            var i = start
            while true {
                while i < stop, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
                let cellStart = i
                var skip = false
                if cells == skipped { skip = true; while i < stop, text[i] != UInt8(ascii: ",") { i += 1 } }
                if !skip {
                    let slice = UnsafeBufferPointer(rebasing: text[0..<stop])
                    guard let value = DecimalFloat.read(slice, at: &i) else {
                        throw InputError("\(source) line \(line) column \(cells + 1): '\(cell(text, cellStart..<stop))' is not a number; every feature must be a number")
                    }
                    guard value.isFinite else {
                        throw InputError("\(source) line \(line) column \(cells + 1): '\(cell(text, cellStart..<stop))' is not finite; every feature must be a finite number")
                    }
                    while i < stop, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
                    guard i == stop || text[i] == UInt8(ascii: ",") else {
                        throw InputError("\(source) line \(line) column \(cells + 1): '\(cell(text, cellStart..<stop))' is not a number; every feature must be a number")
                    }
                    values.append(value)
                }
                cells += 1
                if i >= stop { break }
                i += 1  // the comma
            }
            let features = cells - (skipped.map { $0 >= 0 && $0 < cells ? 1 : 0 } ?? 0)
            if let width {
                guard features == width else {
                    throw InputError("\(source) line \(line) has \(features) values, the rows before it \(width); every row needs the same number")
                }
            } else {
                width = features
            }
            names.append("\(source) line \(line)")
        }
        guard let width, !names.isEmpty, width > 0 else { throw InputError("\(source) holds no rows of numbers; give at least one") }
        return FeatureRows.floats(values, rows: names.count, width: width, names: names)
    }

    private static func isBlank(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.allSatisfy { text[$0] == 0x20 || text[$0] == 0x09 }
    }

    /// The cells of a header line (one without a number), unquoted; nil for any other line.
    private static func header(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [String]? {
        let cells = String(decoding: text[range], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let isNumber: (String) -> Bool = { cell in
            var bytes = Array(cell.utf8)
            return bytes.withUnsafeMutableBufferPointer { buffer in
                var i = 0
                return DecimalFloat.read(UnsafeBufferPointer(buffer), at: &i) != nil && i == buffer.count
            }
        }
        return cells.contains(where: isNumber) ? nil : cells
    }

    private static func cell(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var end = range.lowerBound
        while end < range.upperBound, text[end] != UInt8(ascii: ",") { end += 1 }
        return String(String(decoding: text[range.lowerBound..<end], as: UTF8.self).prefix(40))
    }
}
