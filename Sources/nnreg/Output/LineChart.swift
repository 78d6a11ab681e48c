/// A line chart drawn with text, one glyph per series, for curves in the terminal.
struct LineChart {
    struct Series {
        let label: String
        let points: [(x: Double, y: Double)]
    }

    static let glyphs: [Character] = ["●", "×", "+", "○", "■", "◆", "▲", "*"]

    let title: String
    let series: [Series]
    var width = 60
    var height = 10

    func rendered() -> String {
        let all = series.flatMap(\.points).filter { $0.y.isFinite }
        guard let minX = all.map(\.x).min(), let maxX = all.map(\.x).max(),
              var minY = all.map(\.y).min(), var maxY = all.map(\.y).max()
        else { return "\(title): no points" }
        if minY == maxY { minY -= 0.5; maxY += 0.5 }
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        for (index, curve) in series.enumerated() {
            let glyph = Self.glyphs[index % Self.glyphs.count]
            for point in curve.points where point.y.isFinite {
                let column = maxX == minX ? 0 : Int(((point.x - minX) / (maxX - minX) * Double(width - 1)).rounded())
                let row = Int(((maxY - point.y) / (maxY - minY) * Double(height - 1)).rounded())
                grid[row][column] = glyph
            }
        }
        let top = Self.label(maxY), bottom = Self.label(minY)
        let gutter = max(top.count, bottom.count)
        var lines = [title]
        for (row, cells) in grid.enumerated() {
            let label = row == 0 ? top : row == height - 1 ? bottom : ""
            lines.append(String(repeating: " ", count: gutter - label.count) + label + " ┤" + String(cells))
        }
        lines.append(String(repeating: " ", count: gutter) + " └" + String(repeating: "─", count: width))
        let left = "step \(Int(minX))", right = "\(Int(maxX))"
        lines.append(String(repeating: " ", count: gutter + 2) + left
            + String(repeating: " ", count: max(1, width - left.count - right.count)) + right)
        if series.count > 1 {
            lines.append(series.enumerated().map { "\(Self.glyphs[$0.offset % Self.glyphs.count]) \($0.element.label)" }
                .joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    private static func label(_ value: Double) -> String {
        abs(value) >= 100 ? String(Int(value.rounded())) : String(format: "%.3f", value)
    }
}
