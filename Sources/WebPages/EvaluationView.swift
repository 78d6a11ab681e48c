import Foundation
import Store

/// One evaluation in detail: per-class precision and recall, and the confusion matrix as a heat map
/// with counts (each cell shaded by its share of the true class).
struct EvaluationView {
    let evaluation: Evaluation

    func html() -> String {
        let perClass = (try? JSONSerialization.jsonObject(with: Data(evaluation.perClassJSON.utf8))) as? [[String: Any]] ?? []
        let confusion = (try? JSONSerialization.jsonObject(with: Data(evaluation.confusionJSON.utf8))) as? [[Int]] ?? []
        var out = "<h2>Evaluation at step \(evaluation.step) (\(HTML.escape(evaluation.split)), accuracy \(Format.accuracy(evaluation.accuracy)))</h2>"
        if !perClass.isEmpty {
            out += "<table class=\"per-class\"><thead><tr><th class=\"num\">CLASS</th><th class=\"num\">PRECISION</th><th class=\"num\">RECALL</th><th class=\"num\">SUPPORT</th></tr></thead><tbody>"
            for entry in perClass {
                let label = (entry["label"] as? Int).map(String.init) ?? "?"
                out += "<tr><td class=\"num\">\(label)</td><td class=\"num\">\(Format.accuracy(entry["precision"] as? Double))</td>"
                out += "<td class=\"num\">\(Format.accuracy(entry["recall"] as? Double))</td><td class=\"num\">\((entry["support"] as? Int).map(String.init) ?? "–")</td></tr>"
            }
            out += "</tbody></table>"
        }
        if !confusion.isEmpty {
            out += "<table class=\"confusion\" aria-label=\"confusion matrix\"><thead><tr><th>TRUE \\ PRED</th>"
            out += confusion.indices.map { "<th class=\"num\">\($0)</th>" }.joined() + "</tr></thead><tbody>"
            for (label, row) in confusion.enumerated() {
                let total = max(row.reduce(0, +), 1)
                out += "<tr><th class=\"num\">\(label)</th>"
                for (column, count) in row.enumerated() {
                    let share = Double(count) / Double(total)
                    // Blue for the diagonal, red off it; darker is more. Text turns white on dark cells.
                    let (r, g, b) = column == label ? (11, 92, 173) : (207, 34, 46)
                    let alpha = count == 0 ? 0 : 0.08 + 0.92 * share
                    let text = alpha > 0.55 ? "color:#fff;" : ""
                    out += "<td style=\"\(text)background:rgba(\(r),\(g),\(b),\(String(format: "%.3f", alpha)))\" title=\"true \(label), predicted \(column): \(count)\">\(count)</td>"
                }
                out += "</tr>"
            }
            out += "</tbody></table>"
        }
        return out
    }
}
