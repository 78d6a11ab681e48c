import ArgumentParser
import Foundation
import RunQuery
import Store

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one run: params, status, times, dataset, lineage, curves, checkpoints, evaluations.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The run: its id, name, uid or uid prefix (8+ hex digits).", valueName: "run")) var reference: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let run = try store.existingRun(reference)
        let params = try store.params(runID: run.id)
        let tags = try store.tags(runID: run.id)
        var metrics: [String: [MetricPoint]] = [:]
        for key in try store.metricKeys(runID: run.id) { metrics[key] = try store.metricHistory(runID: run.id, key: key) }
        let checkpoints = try store.checkpoints(runID: run.id)
        let evaluations = try store.evaluations(runID: run.id)
        let parent = try run.parentRunID.map { try store.run(id: $0) }
        let forks = try store.forks(of: run.id)
        let versions = try store.modelVersions(runID: run.id)
        let artifacts = try store.artifacts(runID: run.id)
        let output = try store.outputSize(runID: run.id)
        let experiment = try store.experiment(id: run.experimentID).name
        if json {
            try Terminal.printJSON(RunDetail(
                run: run, params: params, tags: tags, metrics: metrics, checkpoints: checkpoints,
                evaluations: evaluations, parentName: parent?.name, forks: forks, modelVersions: versions,
                artifacts: artifacts, outputBytes: output.raw, experimentName: experiment))
            return
        }
        var lines = [Terminal.bold("Run \(run.id) \(run.name)") + "  \(run.status.rawValue)  \(Formatting.steps(run.stepsDone, of: run.targetSteps)) steps  experiment \(experiment)"
            + (run.deletedAt.map { "  (deleted \(Formatting.time($0)); 'nnreg restore \(run.id)' brings it back)" } ?? "")]
        lines.append("uid \(run.uid)")
        lines.append("created \(Formatting.time(run.createdAt))  started \(Formatting.time(run.startedAt))  ended \(Formatting.time(run.endedAt))")
        if let start = run.startedAt {
            let end = run.endedAt ?? (run.status == .running ? Date() : run.heartbeatAt ?? start)
            lines.append("duration \(Formatting.seconds(end.timeIntervalSince(start)))  host \(run.host ?? "-")  pid \(run.pid.map(String.init) ?? "-")  nnreg \(run.nnregVersion ?? "-")")
        }
        if let command = run.command {
            lines.append("command \(command.arguments.map(Formatting.shellQuoted).joined(separator: " "))")
            lines.append("in \(command.workingDirectory ?? "-")  git \(command.gitCommit.map { String($0.prefix(12)) + (command.isGitDirty == true ? " (dirty)" : "") } ?? "-")"
                + "  exit \(command.exitCode.map(String.init) ?? "-")  output \(Formatting.bytes(output.raw)) ('nnreg logs \(run.id)')")
        } else {
            lines.append("dataset \(run.datasetName ?? "-")  sha256 \(run.datasetSHA256 ?? "-")")
        }
        if let parent, let step = run.parentStep {
            lines.append("forked from run \(parent.id) \(parent.name) at step \(step)")
        }
        for fork in forks { lines.append("forked into run \(fork.id) \(fork.name) at step \(fork.parentStep ?? 0)") }
        for version in versions {
            let origin = version.step.map { "step \($0)" } ?? (version.source ?? "-")
            lines.append("registered as model \(version.reference)\(version.aliases.map { " @\($0)" }.joined()) from \(origin)")
        }
        if let notes = run.notes { lines.append("notes \(notes)") }
        if !tags.isEmpty { lines.append("tags " + tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        print(lines.joined(separator: "\n"))

        var paramTable = Table([("PARAM", .left), ("VALUE", .right)])
        for (key, value) in params.sorted(by: { $0.key < $1.key }) { paramTable.append([key, value.description]) }
        print("\n" + paramTable.rendered())

        for key in ["loss", "accuracy"] + metrics.keys.sorted().filter({ $0 != "loss" && $0 != "accuracy" }) {
            guard let points = metrics[key], !points.isEmpty else { continue }
            let chart = LineChart(
                title: "\(key) (\(points.count) points, last \(points.last!.value.formatted(significantDigits: 6)))",
                series: [.init(label: run.name, points: points.map { (Double($0.step), $0.value) })])
            print("\n" + chart.rendered())
        }

        if !checkpoints.isEmpty {
            var table = Table([("STEP", .right), ("WEIGHTS SHA-256", .left), ("SIZE", .right)])
            for checkpoint in checkpoints {
                table.append([String(checkpoint.step), checkpoint.weightsSHA256, Formatting.bytes(checkpoint.weightsSize + checkpoint.trainerStateSize)])
            }
            print("\n" + table.rendered())
        }
        if !artifacts.isEmpty {
            var table = Table([("ARTIFACT", .left), ("SHA-256", .left), ("SIZE", .right)])
            for artifact in artifacts { table.append([artifact.name, artifact.sha256, Formatting.bytes(artifact.size)]) }
            print("\n" + table.rendered())
        }
        if !evaluations.isEmpty {
            var table = Table([("STEP", .right), ("SPLIT", .left), ("DATASET", .left), ("ACCURACY", .right), ("LOSS", .right), ("WHEN", .left)])
            for evaluation in evaluations {
                table.append([String(evaluation.step), evaluation.split, evaluation.datasetName,
                              Formatting.accuracy(evaluation.accuracy), evaluation.loss.map { String(format: "%.4f", $0) } ?? "-",
                              Formatting.time(evaluation.createdAt)])
            }
            print("\n" + table.rendered())
        }
    }
}

extension Double {
    func formatted(significantDigits: Int) -> String { String(format: "%.\(significantDigits)g", self) }
}
