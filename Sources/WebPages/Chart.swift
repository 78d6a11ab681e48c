import Foundation

/// An inline SVG line chart: axes with ticks at round numbers, a legend, one path per series
/// (downsampled per pixel column for drawing), and the data a small script needs for a hover
/// read-out (`data-*` attributes with the axis ranges; the paths are in pixel coordinates).
public struct Chart {
    public struct Series {
        public let label: String
        public let points: [(x: Double, y: Double)]
        public let style: Palette.Style

        public init(label: String, points: [(x: Double, y: Double)], style: Palette.Style) {
            self.label = label
            self.points = points
            self.style = style
        }
    }

    public let title: String
    public let xLabel: String
    public let series: [Series]
    public var width = 760.0
    public var height = 300.0

    public init(title: String, xLabel: String = "step", series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
    }

    static let margin = (left: 64.0, right: 16.0, top: 28.0, bottom: 40.0)

    /// Round tick values covering `range`, about `count` of them (1-2-5 steps).
    static func ticks(_ range: ClosedRange<Double>, count: Int) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var value = ceil(range.lowerBound / step) * step
        var ticks: [Double] = []
        while value <= range.upperBound + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
        let text = String(format: "%.4g", value)
        return text
    }

    /// `value` with one decimal, as `String(format: "%.1f")` writes it (up to the rounding of an
    /// exact half), without Foundation's formatter: a path of thousands of points spent most of its
    /// time there.
    static func pixel(_ value: Double) -> String {
        var text = ""
        appendPixel(value, to: &text)
        return text
    }

    static func appendPixel(_ value: Double, to text: inout String) {
        guard value.isFinite, abs(value) < 1e15 else {
            text += String(format: "%.1f", value)
            return
        }
        let tenths = Int64((value * 10).rounded())
        if tenths < 0 { text += "-" }
        text += String(abs(tenths) / 10)
        text += "."
        text += String(abs(tenths) % 10)
    }

    public func svg() -> String {
        // Bounds in one pass over every point, without copying them.
        var (minX, maxX, minY, maxY) = (Double.infinity, -Double.infinity, Double.infinity, -Double.infinity)
        for series in series {
            for point in series.points where point.x.isFinite && point.y.isFinite {
                minX = min(minX, point.x); maxX = max(maxX, point.x)
                minY = min(minY, point.y); maxY = max(maxY, point.y)
            }
        }
        let plotWidth = width - Self.margin.left - Self.margin.right
        let plotHeight = height - Self.margin.top - Self.margin.bottom
        var out = "<figure class=\"chart\"><svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\""
        guard minX.isFinite, minY.isFinite else {
            return out + "><text x=\"\(Int(width / 2))\" y=\"\(Int(height / 2))\" text-anchor=\"middle\">\(HTML.escape(title)): no points yet</text></svg></figure>"
        }
        let xRange = minX...(maxX > minX ? maxX : minX + 1)
        let pad = (maxY - minY) * 0.05
        let yRange = (minY - pad)...(maxY > minY ? maxY + pad : minY + 1)
        func px(_ x: Double) -> Double { Self.margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }
        func py(_ y: Double) -> Double { Self.margin.top + (1 - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * plotHeight }
        func f(_ value: Double) -> String { Self.pixel(value) }
        out += " data-x0=\"\(xRange.lowerBound)\" data-x1=\"\(xRange.upperBound)\" data-y0=\"\(yRange.lowerBound)\" data-y1=\"\(yRange.upperBound)\""
        out += " data-left=\"\(Self.margin.left)\" data-top=\"\(Self.margin.top)\" data-w=\"\(plotWidth)\" data-h=\"\(plotHeight)\">"
        out += "<text class=\"title\" x=\"\(f(Self.margin.left))\" y=\"18\">\(HTML.escape(title))</text>"
        out += "<rect class=\"plot\" x=\"\(f(Self.margin.left))\" y=\"\(f(Self.margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\"/>"
        for tick in Self.ticks(xRange, count: 8) {
            let x = px(tick)
            out += "<line class=\"grid\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(Self.margin.top))\" y2=\"\(f(Self.margin.top + plotHeight))\"/>"
            out += "<text class=\"tick\" x=\"\(f(x))\" y=\"\(f(Self.margin.top + plotHeight + 14))\" text-anchor=\"middle\">\(Self.label(tick))</text>"
        }
        for tick in Self.ticks(yRange, count: 6) {
            let y = py(tick)
            out += "<line class=\"grid\" x1=\"\(f(Self.margin.left))\" x2=\"\(f(Self.margin.left + plotWidth))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            out += "<text class=\"tick\" x=\"\(f(Self.margin.left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>"
        }
        out += "<text class=\"axis\" x=\"\(f(Self.margin.left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        for (index, series) in series.enumerated() {
            let finite = series.points.allSatisfy { $0.x.isFinite && $0.y.isFinite } ? series.points : series.points.filter { $0.x.isFinite && $0.y.isFinite }
            let points = Downsample.minMax(finite, columns: Int(plotWidth), xRange: xRange)
            guard !points.isEmpty else { continue }
            var d = ""
            d.reserveCapacity(points.count * 14)
            for (offset, point) in points.enumerated() {
                d += offset == 0 ? "M" : "L"
                Self.appendPixel(px(point.x), to: &d)
                d += " "
                Self.appendPixel(py(point.y), to: &d)
            }
            let dash = series.style.dash.isEmpty ? "" : " stroke-dasharray=\"\(series.style.dash)\""
            out += "<path class=\"series\" data-label=\"\(HTML.escape(series.label))\" data-index=\"\(index)\" d=\"\(d)\" stroke=\"\(series.style.color)\"\(dash)/>"
            if points.count <= 40 {
                for point in points { out += marker(series.style, x: px(point.x), y: py(point.y)) }
            }
        }
        out += "<g class=\"hover\" visibility=\"hidden\"><line class=\"cursor\" y1=\"\(f(Self.margin.top))\" y2=\"\(f(Self.margin.top + plotHeight))\"/></g>"
        out += "</svg><figcaption class=\"legend\">"
        for series in series {
            out += "<span class=\"key\"><svg width=\"28\" height=\"10\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" stroke=\"\(series.style.color)\" stroke-width=\"2\"\(series.style.dash.isEmpty ? "" : " stroke-dasharray=\"\(series.style.dash)\"")/></svg>\(HTML.escape(series.label))</span>"
        }
        out += "<output class=\"readout\"></output></figcaption></figure>"
        return out
    }

    private func marker(_ style: Palette.Style, x: Double, y: Double) -> String {
        let (cx, cy) = (Self.pixel(x), Self.pixel(y))
        switch style.marker {
        case 0: return "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"2.5\" fill=\"\(style.color)\"/>"
        case 1: return "<rect x=\"\(Self.pixel(x - 2.5))\" y=\"\(Self.pixel(y - 2.5))\" width=\"5\" height=\"5\" fill=\"\(style.color)\"/>"
        case 2: return "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"2.5\" fill=\"#fff\" stroke=\"\(style.color)\"/>"
        case 3: return "<path d=\"M\(cx) \(Self.pixel(y - 3))l3 5h-6z\" fill=\"\(style.color)\"/>"
        default: return "<path d=\"M\(Self.pixel(x - 3)) \(Self.pixel(y - 3))l6 6m0 -6l-6 6\" stroke=\"\(style.color)\"/>"
        }
    }
}
