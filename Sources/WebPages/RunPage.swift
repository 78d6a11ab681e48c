import Foundation
import Store

/// One test image with the network's answer, drawn from its pixels (a PNG made by the caller).
public struct PredictionCell: Sendable {
    public let index: Int
    public let label: Int
    public let predicted: Int
    public let probability: Float
    public let png: [UInt8]

    public init(index: Int, label: Int, predicted: Int, probability: Float, png: [UInt8]) {
        self.index = index
        self.label = label
        self.predicted = predicted
        self.probability = probability
        self.png = png
    }
}

/// Predictions of a checkpoint on test images; the CLI supplies it (it owns the trainer and data).
public typealias PredictionProvider = @Sendable (Run, Checkpoint) throws -> [PredictionCell]

/// Everything about one run: params, tags, status, times, host, dataset, lineage, curves,
/// checkpoints, evaluations with per-class figures and the confusion matrix, and test predictions.
public struct RunPage {
    public let run: Run
    public let params: [String: ParamValue]
    public let tags: [String: String]
    /// Each metric's every point (step, value), loss and accuracy first.
    public let metrics: [(key: String, points: [(step: Int, value: Double)])]
    public let checkpoints: [CheckpointInfo]
    public let evaluations: [Evaluation]
    public let parent: Run?
    public let forks: [Run]
    public let modelVersions: [ModelVersion]
    public let predictions: [PredictionCell]
    /// Why there are no predictions, when there are none.
    public let predictionNote: String?
    /// Files the run stored (a tracked program's `--artifacts`).
    public var artifacts: [ArtifactInfo] = []
    /// The end of a tracked program's output, and the whole output's size.
    public var outputTail: String = ""
    public var outputBytes = 0

    /// Output as text for a page: terminal colour and cursor sequences and other control characters
    /// removed, a progress bar's carriage returns turned into line breaks.
    static func printable(_ output: String) -> String {
        let plain = output.replacing(#/\u{1B}\[[0-9;?]*[ -\/]*[@-~]/#, with: "").replacing("\r\n", with: "\n").replacing("\r", with: "\n")
        return String(String.UnicodeScalarView(plain.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" || $0 == "\t" }))
    }

    /// How much of a tracked program's output the page shows.
    static let outputTailBytes = 16 * 1024

    /// Reads the run with id `id` (throws `StoreError.runNotFound`); a dead `running` run shows as crashed.
    public static func load(_ store: Store, id: Int64, predictions: PredictionProvider?) throws -> RunPage {
        var run = try store.run(id: id)
        if run.status == .running, try store.crashedRunIDs().contains(id) { run = run.with(status: .crashed) }
        let stored = try store.metricKeys(runID: id)
        let keys = ["loss", "accuracy"].filter(stored.contains) + stored.filter({ $0 != "loss" && $0 != "accuracy" }).sorted()
        let metrics = Array(zip(keys, try store.metricCurves(runID: id, keys: keys)))
        var cells: [PredictionCell] = []
        var note: String?
        if let predictions {
            do {
                if let checkpoint = try store.latestCheckpoint(runID: id) { cells = try predictions(run, checkpoint) } else { note = "no checkpoint yet" }
            } catch {
                note = "\(error)"
            }
        }
        return RunPage(
            run: run, params: try store.params(runID: id), tags: try store.tags(runID: id), metrics: metrics,
            checkpoints: try store.checkpoints(runID: id), evaluations: try store.evaluations(runID: id),
            parent: try run.parentRunID.map { try store.run(id: $0) }, forks: try store.forks(of: id),
            modelVersions: try store.modelVersions(runID: id), predictions: cells, predictionNote: note,
            artifacts: try store.artifacts(runID: id),
            outputTail: Self.printable(String(decoding: try store.outputTail(runID: id, maxBytes: outputTailBytes), as: UTF8.self)),
            outputBytes: try store.outputSize(runID: id).raw)
    }

    public var isLive: Bool { run.status == .running }

    public func html(mode: PageMode = .served) -> String {
        Page.document(title: run.name, mode: mode, isLive: isLive, body: section(mode: mode))
    }

    /// The page's content, also one section of a report.
    public func section(mode: PageMode) -> String {
        var body = "<section class=\"run\" id=\"run-\(run.id)\"><h1>Run \(run.id) <span class=\"name\">\(HTML.escape(run.name))</span> \(Page.badge(run.status.rawValue))</h1>"
        body += "<div class=\"columns\"><table class=\"facts\"><tbody>"
        func fact(_ name: String, _ value: String) { body += "<tr><th>\(name)</th><td>\(value)</td></tr>" }
        fact("steps", run.targetSteps > 0 ? "\(run.stepsDone) / \(run.targetSteps)" : "\(run.stepsDone)")
        fact("created", Format.time(run.createdAt))
        fact("started", Format.time(run.startedAt))
        fact("ended", Format.time(run.endedAt))
        if let start = run.startedAt {
            fact("duration", Format.seconds((run.endedAt ?? (run.status == .running ? Date() : run.heartbeatAt ?? start)).timeIntervalSince(start)))
        }
        fact("host", HTML.escape(run.host ?? "–") + (run.pid.map { " · pid \($0)" } ?? ""))
        if let command = run.command {
            fact("command", "<code>" + HTML.escape(command.arguments.joined(separator: " ")) + "</code>")
            fact("directory", "<code>" + HTML.escape(command.workingDirectory ?? "–") + "</code>")
            fact("git", command.gitCommit.map { "<code>\(HTML.escape(String($0.prefix(12))))</code>" + (command.isGitDirty == true ? " (uncommitted changes)" : "") } ?? "–")
            fact("exit status", command.exitCode.map(String.init) ?? "–")
        } else {
            fact("dataset", HTML.escape(run.datasetName ?? "–") + (run.datasetSHA256.map { " <code>\(HTML.escape($0))</code>" } ?? ""))
        }
        fact("nnreg", HTML.escape(run.nnregVersion ?? "–"))
        if !tags.isEmpty { fact("tags", Page.tags(tags)) }
        if let notes = run.notes { fact("notes", HTML.escape(notes)) }
        if let parent, let step = run.parentStep {
            fact("forked from", Page.link(mode.runLink(parent.id), "\(parent.id) \(parent.name)") + " at step \(step)")
        }
        if !forks.isEmpty {
            fact("forks", forks.map { Page.link(mode.runLink($0.id), "\($0.id) \($0.name)") + " at step \($0.parentStep ?? 0)" }.joined(separator: ", "))
        }
        if !modelVersions.isEmpty {
            fact("model versions", modelVersions.map { version in
                Page.link(mode.modelLink(version.modelName), version.reference) + version.aliases.map { " @\(HTML.escape($0))" }.joined()
                    + (version.step.map { " (step \($0))" } ?? " (\(HTML.escape(version.source ?? "")))")
            }.joined(separator: ", "))
        }
        body += "</tbody></table>"

        body += "<div><h2>Params</h2><table class=\"params\"><tbody>"
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            body += "<tr><th>\(HTML.escape(key))</th><td class=\"num\">\(HTML.escape(value.description))</td></tr>"
        }
        body += "</tbody></table></div></div>"

        body += "<h2>Curves</h2>"
        for (index, metric) in metrics.enumerated() {
            let chart = Chart(title: "\(metric.key) (\(metric.points.count) points)", series: [
                .init(label: run.name, points: metric.points.map { (Double($0.step), $0.value) },
                      style: Palette.Style(color: Palette.colors[index % 2 == 0 ? 1 : 2], dash: "", marker: 0)),
            ])
            body += chart.svg()
        }
        if metrics.isEmpty { body += "<p class=\"meta\">No metric points yet.</p>" }

        if !artifacts.isEmpty {
            body += "<h2>Artifacts</h2><table class=\"artifacts\"><thead><tr><th>NAME</th><th>SHA-256</th><th class=\"num\">SIZE</th></tr></thead><tbody>"
            for artifact in artifacts {
                body += "<tr><td>\(HTML.escape(artifact.name))</td><td><code>\(artifact.sha256)</code></td><td class=\"num\">\(Format.bytes(artifact.size))</td></tr>"
            }
            body += "</tbody></table>"
        }
        if outputBytes > 0 {
            let shown = outputTail.utf8.count < outputBytes ? "last \(Format.bytes(outputTail.utf8.count)) of \(Format.bytes(outputBytes)); all of it: nnreg logs \(run.id)" : Format.bytes(outputBytes)
            body += "<h2>Output</h2><p class=\"meta\">\(shown)</p><pre class=\"output\">\(HTML.escape(outputTail))</pre>"
        }
        body += "<h2>Checkpoints</h2><table class=\"checkpoints\"><thead><tr><th class=\"num\">STEP</th><th>WEIGHTS SHA-256</th><th class=\"num\">SIZE</th><th>WHEN</th></tr></thead><tbody>"
        for checkpoint in checkpoints {
            body += "<tr><td class=\"num\">\(checkpoint.step)</td><td><code>\(checkpoint.weightsSHA256)</code></td>"
            body += "<td class=\"num\">\(Format.bytes(checkpoint.weightsSize + checkpoint.trainerStateSize))</td><td>\(Format.time(checkpoint.createdAt))</td></tr>"
        }
        body += "</tbody></table>"

        if !evaluations.isEmpty {
            body += "<h2>Evaluations</h2><table class=\"evaluations\"><thead><tr><th class=\"num\">STEP</th><th>SPLIT</th><th>DATASET</th><th class=\"num\">ACCURACY</th><th class=\"num\">LOSS</th><th>WHEN</th></tr></thead><tbody>"
            for evaluation in evaluations {
                body += "<tr><td class=\"num\">\(evaluation.step)</td><td>\(HTML.escape(evaluation.split))</td><td>\(HTML.escape(evaluation.datasetName))</td>"
                body += "<td class=\"num\">\(Format.accuracy(evaluation.accuracy))</td><td class=\"num\">\(Format.loss(evaluation.loss))</td><td>\(Format.time(evaluation.createdAt))</td></tr>"
            }
            body += "</tbody></table>"
            if let latest = evaluations.last {
                body += EvaluationView(evaluation: latest).html()
            }
        }
        if !predictions.isEmpty {
            let areImages = predictions.allSatisfy { !$0.png.isEmpty }
            body += "<h2>Test \(areImages ? "images" : "examples") at step \(checkpoints.last?.step ?? 0)</h2><div class=\"digits\">"
            for cell in predictions {
                let wrong = cell.label != cell.predicted
                body += "<figure class=\"digit\(wrong ? " wrong" : "")\">"
                // Examples that are not square images (a CSV file's rows) have no picture.
                if !cell.png.isEmpty {
                    body += "<img alt=\"test image \(cell.index)\" src=\"data:image/png;base64,\(Data(cell.png).base64EncodedString())\">"
                }
                body += "<figcaption>#\(cell.index) true \(cell.label)<br>predicted \(cell.predicted) \(wrong ? "✗" : "✓")<br>p = \(String(format: "%.3f", cell.probability))</figcaption></figure>"
            }
            body += "</div>"
        } else if let predictionNote {
            body += "<p class=\"meta\">No test images: \(HTML.escape(predictionNote))</p>"
        }
        return body + "</section>"
    }
}
