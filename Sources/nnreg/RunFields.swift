import Foundation
import RunFilter
import Store

/// The fields of a run that `--where` and `--sort` name: the summary's own figures, every param by
/// its key, and tags as `tag.KEY`.
enum RunFields {
    static let builtIn = [
        "id", "name", "status", "steps_done", "target_steps", "loss", "accuracy", "test_accuracy", "duration", "created",
    ]

    static func row(_ run: RunSummary, now: Date = Date()) -> [String: FieldValue] {
        var row: [String: FieldValue] = [
            "id": .number(Double(run.id)), "name": .text(run.name), "status": .text(run.status.rawValue),
            "steps_done": .number(Double(run.stepsDone)), "target_steps": .number(Double(run.targetSteps)),
            "created": .text(Formatting.time(run.createdAt)),
        ]
        for (key, value) in run.params {
            switch value {
            case .int(let number): row[key] = .number(Double(number))
            case .real(let number): row[key] = .number(number)
            case .text(let text): row[key] = .text(text)
            }
        }
        for (key, value) in run.tags { row["tag." + key] = .text(value) }
        if let loss = run.loss { row["loss"] = .number(loss) }
        if let accuracy = run.accuracy { row["accuracy"] = .number(accuracy) }
        if let testAccuracy = run.testAccuracy { row["test_accuracy"] = .number(testAccuracy) }
        if let duration = duration(of: run, now: now) { row["duration"] = .number(duration) }
        return row
    }

    /// Seconds from start to end, or to now while the run is still going.
    static func duration(of run: RunSummary, now: Date = Date()) -> Double? {
        guard let start = run.startedAt else { return nil }
        return (run.endedAt ?? (run.status == .running ? now : nil))?.timeIntervalSince(start)
    }

    /// Throws when a field is neither built in nor held by any run, naming the known ones.
    static func checkKnown(_ fields: [String], option: String, in rows: [[String: FieldValue]]) throws {
        var known = Set(builtIn)
        for row in rows { known.formUnion(row.keys) }
        for field in fields where !known.contains(field) {
            throw CLIError("unknown field '\(field)' in \(option); known fields: \(known.sorted().joined(separator: ", "))")
        }
    }
}
