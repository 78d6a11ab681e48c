/// Reduces a curve for drawing only (storage keeps every point): the points are bucketed by pixel
/// column, and each column keeps its first, lowest, highest and last point in step order, so a
/// spike of one step still shows and the line between columns is the true one.
public enum Downsample {
    /// `points` sorted by x; at most about 4 × `columns` come back, in x order.
    public static func minMax(_ points: [(x: Double, y: Double)], columns: Int, xRange: ClosedRange<Double>) -> [(x: Double, y: Double)] {
        guard points.count > 4 * max(columns, 1) else { return points }
        let width = max(xRange.upperBound - xRange.lowerBound, .leastNonzeroMagnitude)
        var result: [(x: Double, y: Double)] = []
        result.reserveCapacity(4 * columns)
        var index = 0
        while index < points.count {
            let column = min(columns - 1, Int((points[index].x - xRange.lowerBound) / width * Double(columns)))
            var low = index, high = index, end = index
            while end + 1 < points.count,
                  min(columns - 1, Int((points[end + 1].x - xRange.lowerBound) / width * Double(columns))) == column {
                end += 1
                if points[end].y < points[low].y { low = end }
                if points[end].y > points[high].y { high = end }
            }
            for keep in Set([index, low, high, end]).sorted() { result.append(points[keep]) }
            index = end + 1
        }
        return result
    }
}
