import Foundation
import Store

/// Up to 100 runs side by side: params with differences marked, results, and every run's curve of
/// each metric overlaid in one chart, aligned by step.
public struct ComparePage {
    public static let maxRuns = 100

    public struct Column {
        public let run: Run
        public let params: [String: ParamValue]
        public let testAccuracy: Double?
        public let metrics: [String: [MetricPoint]]
    }

    public let columns: [Column]

    /// Loads the runs with these ids (at most `maxRuns`; throws `StoreError.runNotFound` for a missing one).
    public static func load(_ store: Store, ids: [Int64]) throws -> ComparePage {
        let crashed = Set(try store.crashedRunIDs())
        var seen: Set<Int64> = []
        let unique = ids.filter { seen.insert($0).inserted }.prefix(maxRuns)
        return ComparePage(columns: try unique.map { id in
            var run = try store.run(id: id)
            if run.status == .running, crashed.contains(id) { run = run.with(status: .crashed) }
            var metrics: [String: [MetricPoint]] = [:]
            for key in try store.metricKeys(runID: id) { metrics[key] = try store.metricHistory(runID: id, key: key) }
            return Column(run: run, params: try store.params(runID: id), testAccuracy: try store.testAccuracy(runID: id), metrics: metrics)
        })
    }

    public var isLive: Bool { columns.contains { $0.run.status == .running } }

    public func html(mode: PageMode = .served) -> String {
        Page.document(title: "Compare \(columns.count) runs", mode: mode, isLive: isLive, body: section(mode: mode))
    }

    public func section(mode: PageMode) -> String {
        var body = "<section class=\"compare\"><h1>Compare \(columns.count) run\(columns.count == 1 ? "" : "s")</h1>"
        body += "<table class=\"compare\"><thead><tr><th>FIELD</th>"
        body += columns.map { "<th>\(Page.link(mode.runLink($0.run.id), "\($0.run.id) \($0.run.name)"))</th>" }.joined() + "</tr></thead><tbody>"
        func row(_ name: String, _ values: [String], escaped: Bool = true) {
            let differs = Set(values).count > 1
            body += "<tr\(differs ? " class=\"diff\"" : "")><th>\(differs ? "* " : "")\(HTML.escape(name))</th>"
            body += values.map { "<td class=\"num\">\(escaped ? HTML.escape($0) : $0)</td>" }.joined() + "</tr>"
        }
        for key in Set(columns.flatMap(\.params.keys)).sorted() {
            row(key, columns.map { $0.params[key]?.description ?? "–" })
        }
        row("status", columns.map { Page.badge($0.run.status.rawValue) }, escaped: false)
        row("steps done", columns.map { "\($0.run.stepsDone)/\($0.run.targetSteps)" })
        row("final loss", columns.map { Format.loss($0.metrics["loss"]?.last?.value) })
        row("best accuracy", columns.map { Format.accuracy($0.metrics["accuracy"]?.map(\.value).max()) })
        row("test accuracy", columns.map { Format.accuracy($0.testAccuracy) })
        body += "</tbody></table><p class=\"meta\">* marks fields that differ.</p>"
        let keys = Set(columns.flatMap(\.metrics.keys))
        for key in ["loss", "accuracy"].filter(keys.contains) + keys.subtracting(["loss", "accuracy"]).sorted() {
            let series = columns.enumerated().map { index, column in
                Chart.Series(label: "\(column.run.id) \(column.run.name)",
                             points: (column.metrics[key] ?? []).map { (Double($0.step), $0.value) }, style: Palette.style(index))
            }
            body += Chart(title: "\(key) by step", series: series).svg()
        }
        return body + "</section>"
    }
}
