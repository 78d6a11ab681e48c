/// A text table: aligned columns for people, CSV for spreadsheets.
struct Table {
    enum Alignment { case left, right }

    let headers: [String]
    let alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "row has \(row.count) cells, table has \(headers.count) columns")
        rows.append(row)
    }

    /// Columns padded to their widest cell, two spaces apart; cells too wide for `maxWidth` are cut with `…`.
    func rendered(maxWidth: Int = 100) -> String {
        let all = [headers] + rows
        let lengths = all.map { $0.map(\.count) }
        var widths = Array(repeating: 0, count: headers.count)
        for row in lengths { for column in row.indices { widths[column] = max(widths[column], row[column]) } }
        // Shrink the widest column until the table fits.
        while widths.reduce(0, +) + 2 * (widths.count - 1) > maxWidth,
              let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] -= 1
        }
        var output = ""
        for (cells, cellLengths) in zip(all, lengths) {
            if !output.isEmpty { output += "\n" }
            for column in cells.indices {
                var cell = cells[column]
                var length = cellLengths[column]
                if length > widths[column] {
                    cell = String(cell.prefix(widths[column] - 1)) + "…"
                    length = widths[column]
                }
                let padding = String(repeating: " ", count: widths[column] - length)
                if column > 0 { output += "  " }
                switch alignments[column] {
                case .left: output += column == cells.count - 1 ? cell : cell + padding
                case .right: output += padding + cell
                }
            }
        }
        return output
    }

    /// RFC 4180 CSV with a header line.
    func csv() -> String {
        ([headers] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n")
    }

    private static func csvField(_ field: String) -> String {
        guard field.contains(where: { ",\"\n\r".contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
