import ArgumentParser
import Foundation
import RunQuery
import Store

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs: params side by side with differences marked, results, and curves in one chart.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Two or more runs (id or name) or model versions (MODEL@ALIAS, MODEL:vN).") var runs: [String]
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV (one row per field, one column per run).") var csv = false

    func validate() throws {
        guard runs.count >= 2 else { throw ValidationError("Name at least two runs to compare.") }
        if json && csv { throw ValidationError("Choose one of --json and --csv.") }
        for reference in runs { try ReferenceSyntax.validate(reference) }
    }

    struct Column: Encodable {
        let runID: Int64
        let name: String
        let model: String?
        let status: String
        let params: [String: ParamValue]
        let finalLoss: Double?
        let bestLoss: Double?
        let finalAccuracy: Double?
        let bestAccuracy: Double?
        let testAccuracy: Double?
        let durationSeconds: Double?
        let stepsPerSecond: Double?
        let loss: [[Double]]
        let accuracy: [[Double]]

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", name, model, status, params, finalLoss = "final_loss", bestLoss = "best_loss"
            case finalAccuracy = "final_accuracy", bestAccuracy = "best_accuracy", testAccuracy = "test_accuracy"
            case durationSeconds = "duration_s", stepsPerSecond = "steps_per_s", loss, accuracy
        }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let columns = try runs.map { reference -> Column in
            let resolved = try store.existingReference(reference)
            let run = resolved.run
            let loss = try store.metricHistory(runID: run.id, key: "loss")
            let accuracy = try store.metricHistory(runID: run.id, key: "accuracy")
            // A model version shows its own checkpoint's accuracy; a run, its latest checkpoint's.
            let testAccuracy = try resolved.modelVersion.map { version in
                try store.evaluations(runID: run.id).last { $0.split == "test" && $0.step == version.step }?.accuracy
                    ?? version.testAccuracy
            } ?? store.testAccuracy(runID: run.id)
            let duration = run.startedAt.map { (run.endedAt ?? Date()).timeIntervalSince($0) }
            return Column(
                runID: run.id, name: run.name, model: resolved.modelVersion?.reference, status: run.status.rawValue, params: try store.params(runID: run.id),
                finalLoss: loss.last?.value, bestLoss: loss.map(\.value).min(),
                finalAccuracy: accuracy.last?.value, bestAccuracy: accuracy.map(\.value).max(),
                testAccuracy: testAccuracy, durationSeconds: duration,
                stepsPerSecond: duration.map { Double(run.stepsDone) / max($0, 1e-9) },
                loss: loss.map { [Double($0.step), $0.value] }, accuracy: accuracy.map { [Double($0.step), $0.value] })
        }
        if json { return try Terminal.printJSON(columns) }

        var table = Table([("FIELD", .left)] + columns.map { ($0.model ?? "\($0.runID) \($0.name)", .right) })
        let keys = Set(columns.flatMap(\.params.keys)).sorted()
        for key in keys {
            let values = columns.map { $0.params[key]?.description ?? "-" }
            let differs = Set(values).count > 1
            table.append([(differs ? "* " : "  ") + key] + values)
        }
        let results: [(String, (Column) -> String)] = [
            ("status", { $0.status }),
            ("final loss", { Formatting.loss($0.finalLoss) }), ("best loss", { Formatting.loss($0.bestLoss) }),
            ("final accuracy", { Formatting.accuracy($0.finalAccuracy) }),
            ("best accuracy", { Formatting.accuracy($0.bestAccuracy) }),
            ("test accuracy", { Formatting.accuracy($0.testAccuracy) }),
            ("duration", { Formatting.seconds($0.durationSeconds) }),
            ("steps/s", { $0.stepsPerSecond.map { String(format: "%.0f", $0) } ?? "-" }),
        ]
        for (label, value) in results {
            let values = columns.map(value)
            table.append([(Set(values).count > 1 ? "* " : "  ") + label] + values)
        }
        if csv { return print(table.csv()) }
        print(table.rendered())
        print("(* marks fields that differ)")
        for (title, series) in [("loss", \Column.loss), ("accuracy", \Column.accuracy)] {
            let curves = columns.map { LineChart.Series(label: "\($0.runID) \($0.name)", points: $0[keyPath: series].map { ($0[0], $0[1]) }) }
            print("\n" + LineChart(title: title + " by step", series: curves).rendered())
        }
    }
}
