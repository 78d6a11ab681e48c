import Foundation
import Store
import Sweep

/// Every sweep with its progress; one sweep's trials with a parallel-coordinates plot of its
/// parameters against its metric, the metric against each parameter, and the trials' curves
/// overlaid (on a log scale with `?scale=log`). Server-rendered SVG like the other pages.
public struct SweepPage {
    struct Trial {
        let record: SweepTrialRecord
        let run: Run?
        let value: Double?
        let testAccuracy: Double?
        let curve: [(step: Int, value: Double)]
    }

    let sweep: SweepRecord
    let spec: SweepSpec
    let trials: [Trial]
    let isLogScale: Bool

    public static func load(_ store: Store, name: String, isLogScale: Bool) throws -> SweepPage {
        let sweep = try store.existingSweep(named: name)
        let spec = try SweepSpec.decode(sweep.spec)
        let summaries = Dictionary(
            try store.listRuns(includeDeleted: true, withParams: false, withTags: false, experimentID: sweep.experimentID).map { ($0.id, $0) }
        ) { a, _ in a }
        let trials = try store.sweepTrials(sweepID: sweep.id).map { record in
            let run = try record.runID.map { try store.run(id: $0) }
            return Trial(
                record: record, run: run, value: record.lastValue,
                testAccuracy: record.runID.flatMap { summaries[$0]?.testAccuracy },
                curve: try record.runID.map { try store.metricCurve(runID: $0, key: spec.metric) } ?? [])
        }
        return SweepPage(sweep: sweep, spec: spec, trials: trials, isLogScale: isLogScale)
    }

    /// Searched parameters (fixed ones are settings, not axes).
    var axes: [Parameter] { spec.space.parameters.filter { !$0.domain.isFixed } }

    public func html() -> String {
        let name = HTML.escape(sweep.name)
        var body = "<h1>Sweep \(name)</h1><p>\(Page.badge(sweep.state)) \(spec.method.rawValue) · \(trials.count) of "
        body += "\(spec.trials) trials · \(HTML.escape(spec.metric)) (\(spec.isMaximizing ? "max" : "min")) · pruning \(spec.pruning.rawValue)"
        body += " · experiment \(Page.link("/?experiment=\(sweep.experimentID)", name))</p>"
        let judged = trials.filter { $0.value != nil }
        if judged.isEmpty {
            body += "<p class=\"meta\">No trial has reported \(HTML.escape(spec.metric)) yet.</p>"
        } else {
            body += "<h2>Parameters and \(HTML.escape(spec.metric))</h2>" + parallelCoordinates(judged)
            body += "<h2>\(HTML.escape(spec.metric)) against each parameter</h2><div class=\"scatters\">"
            body += axes.map { scatter($0, judged) }.joined() + "</div>"
        }
        let scale = isLogScale
            ? "log scale · \(Page.link("/sweeps/\(HTML.urlComponent(sweep.name))", "linear"))"
            : "\(Page.link("/sweeps/\(HTML.urlComponent(sweep.name))?scale=log", "log scale"))"
        body += "<h2>Curves</h2><p class=\"meta\">\(scale)</p>"
        let series = trials.filter { !$0.curve.isEmpty }.enumerated().map { index, trial in
            Chart.Series(
                label: "trial \(trial.record.number)",
                points: trial.curve.compactMap { point in
                    isLogScale ? (point.value > 0 ? (Double(point.step), log10(point.value)) : nil) : (Double(point.step), point.value)
                },
                style: Palette.style(index))
        }
        body += Chart(title: isLogScale ? "log10 \(spec.metric)" : spec.metric, series: series).svg()
        body += "<h2>Trials</h2>" + table()
        return Page.document(title: "Sweep \(sweep.name)", mode: .served, isLive: sweep.state == "running", body: body)
    }

    private func table() -> String {
        var html = "<table id=\"trials\"><thead><tr><th class=\"num\">TRIAL</th><th>RUN</th><th>STATE</th><th class=\"num\">STEP</th>"
        html += "<th class=\"num\">\(HTML.escape(spec.metric.uppercased()))</th><th class=\"num\">TEST ACC</th>"
        html += axes.map { "<th>\(HTML.escape($0.name.uppercased()))</th>" }.joined() + "</tr></thead><tbody>"
        for trial in trials {
            html += "<tr><td class=\"num\">\(trial.record.number)</td>"
            html += "<td>\(trial.run.map { Page.link("/runs/\($0.id)", "\($0.id) \($0.name)") } ?? "–")</td>"
            html += "<td>\(Page.badge(trial.record.state))</td><td class=\"num\">\(trial.record.step)</td>"
            html += "<td class=\"num\">\(trial.value.map { String(format: "%.4f", $0) } ?? "–")</td><td class=\"num\">\(Format.accuracy(trial.testAccuracy))</td>"
            html += axes.map { "<td>\(HTML.escape(trial.record.assignment[$0.name] ?? ""))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    // MARK: Plots

    /// Where a value sits on its parameter's axis, 0…1 (log ranges on a log scale, lists evenly).
    func position(_ parameter: Parameter, _ text: String?) -> Double? {
        guard let text else { return nil }
        switch parameter.domain {
        case .choice(let values):
            guard let index = values.firstIndex(of: text) else { return nil }
            return values.count == 1 ? 0.5 : Double(index) / Double(values.count - 1)
        case .real(let low, let high, let isLog):
            guard let value = Double(text) else { return nil }
            return isLog ? (log(value) - log(low)) / (log(high) - log(low)) : (value - low) / (high - low)
        case .integer(let low, let high, let isLog):
            guard let value = Double(text) else { return nil }
            return isLog ? (log(value) - log(Double(low))) / (log(Double(high)) - log(Double(low))) : (value - Double(low)) / Double(high - low)
        }
    }

    /// The metric's range over the judged trials, as 0…1 with the best at the top.
    func metricPosition(_ judged: [Trial]) -> (Double) -> Double {
        let values = judged.compactMap(\.value).filter(\.isFinite)
        let low = values.min() ?? 0, high = values.max() ?? 1
        return { value in high > low ? (value - low) / (high - low) : 0.5 }
    }

    /// Dark for the best trials, light for the worst.
    func color(_ fraction: Double) -> String {
        let t = spec.isMaximizing ? fraction : 1 - fraction
        let shade = Int((1 - t) * 200)
        return "rgb(\(shade / 4),\(80 + shade / 2),\(120 + shade / 2))"
    }

    private func parallelCoordinates(_ judged: [Trial]) -> String {
        let columns = axes.count + 1
        let (width, height, top, bottom) = (max(360.0, Double(columns) * 140), 300.0, 30.0, 40.0)
        let step = (width - 80) / Double(max(1, columns - 1))
        func x(_ column: Int) -> Double { 40 + Double(column) * step }
        func y(_ fraction: Double) -> Double { top + (1 - min(1, max(0, fraction))) * (height - top - bottom) }
        let metric = metricPosition(judged)
        var svg = "<figure class=\"chart\"><svg class=\"chart parallel\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"parameters against \(HTML.escape(spec.metric))\">"
        for trial in judged.sorted(by: { metric($0.value ?? 0) < metric($1.value ?? 0) }) {
            var d = ""
            for (column, parameter) in axes.enumerated() {
                guard let p = position(parameter, trial.record.assignment[parameter.name]) else { continue }
                d += (d.isEmpty ? "M" : "L") + "\(Chart.pixel(x(column))) \(Chart.pixel(y(p))) "
            }
            let fraction = metric(trial.value ?? 0)
            d += (d.isEmpty ? "M" : "L") + "\(Chart.pixel(x(axes.count))) \(Chart.pixel(y(fraction)))"
            let dash = trial.record.state == "finished" ? "" : " stroke-dasharray=\"4 3\""
            svg += "<path class=\"series\" data-label=\"trial \(trial.record.number)\" d=\"\(d)\" stroke=\"\(color(fraction))\" fill=\"none\" stroke-width=\"1.5\"\(dash)><title>trial \(trial.record.number): \(HTML.escape(String(format: "%.4f", trial.value ?? .nan)))</title></path>"
        }
        for (column, label) in (axes.map(\.name) + [spec.metric]).enumerated() {
            svg += "<line class=\"grid\" x1=\"\(Chart.pixel(x(column)))\" x2=\"\(Chart.pixel(x(column)))\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#57606a\"/>"
            svg += "<text class=\"axis\" x=\"\(Chart.pixel(x(column)))\" y=\"\(height - 16)\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
            let (low, high) = column < axes.count ? ends(axes[column]) : metricEnds(judged)
            svg += "<text class=\"tick\" x=\"\(Chart.pixel(x(column) + 4))\" y=\"\(top - 6)\">\(HTML.escape(high))</text>"
            svg += "<text class=\"tick\" x=\"\(Chart.pixel(x(column) + 4))\" y=\"\(height - bottom + 12)\">\(HTML.escape(low))</text>"
        }
        return svg + "</svg><figcaption class=\"legend\">one line per trial; dashed: not finished; darker: better</figcaption></figure>"
    }

    private func ends(_ parameter: Parameter) -> (String, String) {
        switch parameter.domain {
        case .choice(let values): (values.first ?? "", values.last ?? "")
        case .real(let low, let high, _): (ParameterDomain.text(low), ParameterDomain.text(high))
        case .integer(let low, let high, _): (String(low), String(high))
        }
    }

    private func metricEnds(_ judged: [Trial]) -> (String, String) {
        let values = judged.compactMap(\.value).filter(\.isFinite)
        return (String(format: "%.4f", values.min() ?? 0), String(format: "%.4f", values.max() ?? 0))
    }

    private func scatter(_ parameter: Parameter, _ judged: [Trial]) -> String {
        let (width, height, left, top, bottom) = (240.0, 180.0, 44.0, 20.0, 36.0)
        let metric = metricPosition(judged)
        var svg = "<svg class=\"chart scatter\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(spec.metric)) against \(HTML.escape(parameter.name))\">"
        svg += "<rect class=\"plot\" x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - 8)\" height=\"\(height - top - bottom)\"/>"
        for trial in judged {
            guard let p = position(parameter, trial.record.assignment[parameter.name]), let value = trial.value, value.isFinite else { continue }
            let cx = left + 6 + p * (width - left - 20), cy = top + (1 - metric(value)) * (height - top - bottom)
            svg += "<circle class=\"point\" cx=\"\(Chart.pixel(cx))\" cy=\"\(Chart.pixel(cy))\" r=\"3.5\" fill=\"\(color(metric(value)))\"><title>trial \(trial.record.number): \(HTML.escape(trial.record.assignment[parameter.name] ?? "")) → \(String(format: "%.4f", value))</title></circle>"
        }
        let (low, high) = ends(parameter), (metricLow, metricHigh) = metricEnds(judged)
        svg += "<text class=\"axis\" x=\"\(Chart.pixel(left + (width - left) / 2))\" y=\"\(height - 6)\" text-anchor=\"middle\">\(HTML.escape(parameter.name))</text>"
        svg += "<text class=\"tick\" x=\"\(left)\" y=\"\(height - bottom + 12)\">\(HTML.escape(low))</text>"
        svg += "<text class=\"tick\" x=\"\(width - 8)\" y=\"\(height - bottom + 12)\" text-anchor=\"end\">\(HTML.escape(high))</text>"
        svg += "<text class=\"tick\" x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(metricHigh)</text>"
        svg += "<text class=\"tick\" x=\"\(left - 4)\" y=\"\(height - bottom)\" text-anchor=\"end\">\(metricLow)</text>"
        return svg + "</svg>"
    }
}

/// Every sweep: state, method, trials, best value.
public struct SweepsPage {
    public let rows: [(sweep: SweepRecord, spec: SweepSpec?, trials: [SweepTrialRecord])]

    public static func load(_ store: Store) throws -> SweepsPage {
        SweepsPage(rows: try store.sweeps().map { ($0, try? SweepSpec.decode($0.spec), try store.sweepTrials(sweepID: $0.id)) })
    }

    public func html() -> String {
        var body = "<h1>Sweeps</h1>"
        guard !rows.isEmpty else {
            return Page.document(title: "Sweeps", mode: .served, body: body + "<p class=\"meta\">No sweeps yet. Start one with <code>nnreg sweep NAME --param learning-rate=log:1e-4..1e-1</code>.</p>")
        }
        body += "<table id=\"sweeps\"><thead><tr><th>NAME</th><th>STATE</th><th>METHOD</th><th class=\"num\">TRIALS</th><th>METRIC</th><th class=\"num\">BEST</th><th>CREATED</th></tr></thead><tbody>"
        for (sweep, spec, trials) in rows {
            let finished = trials.filter { $0.state == "finished" }.compactMap(\.lastValue)
            let best = (spec?.isMaximizing ?? true) ? finished.max() : finished.min()
            body += "<tr><td>\(Page.link("/sweeps/\(HTML.urlComponent(sweep.name))", sweep.name))</td><td>\(Page.badge(sweep.state))</td>"
            body += "<td>\(spec?.method.rawValue ?? "?")</td><td class=\"num\">\(trials.count)/\(spec?.trials ?? 0)</td><td>\(HTML.escape(spec?.metric ?? "?"))</td>"
            body += "<td class=\"num\">\(best.map { String(format: "%.4f", $0) } ?? "–")</td><td>\(Format.time(sweep.createdAt))</td></tr>"
        }
        return Page.document(title: "Sweeps", mode: .served, body: body + "</tbody></table>")
    }
}
