import Foundation
import RunFilter
import Store

/// The fields of a run that `--where` and `--sort` name: the summary's own figures, every param by
/// its key, and tags as `tag.KEY`.
public enum RunFields {
    public static let builtIn = [
        "id", "name", "status", "steps_done", "target_steps", "loss", "accuracy", "test_accuracy", "duration", "created",
    ]

    /// A field that is a number of the run (or a param, numeric or not: `Store.selectRuns` checks),
    /// as the store reads it in SQL; nil for names, status, times and tags.
    static func number(_ field: String) -> RunNumber? {
        switch field {
        case "id": .id
        case "steps_done": .stepsDone
        case "target_steps": .targetSteps
        case "loss": .loss
        case "accuracy": .accuracy
        case "test_accuracy": .testAccuracy
        case "name", "status", "created", "duration": nil
        default: field.hasPrefix("tag.") ? nil : .param(field)
        }
    }

    /// One field of a run (what a filter and sort read), or nil when the run lacks it.
    static func value(of field: String, in run: RunSummary, now: Date) -> FieldValue? {
        switch field {
        case "id": return .number(Double(run.id))
        case "name": return .text(run.name)
        case "status": return .text(run.status.rawValue)
        case "steps_done": return .number(Double(run.stepsDone))
        case "target_steps": return .number(Double(run.targetSteps))
        case "created": return .text(localTime(run.createdAt))
        case "loss": return run.loss.map(FieldValue.number)
        case "accuracy": return run.accuracy.map(FieldValue.number)
        case "test_accuracy": return run.testAccuracy.map(FieldValue.number)
        case "duration": return duration(of: run, now: now).map(FieldValue.number)
        default:
            if field.hasPrefix("tag.") { return run.tags[String(field.dropFirst(4))].map(FieldValue.text) }
            switch run.params[field] {
            case .int(let number)?: return .number(Double(number))
            case .real(let number)?: return .number(number)
            case .text(let text)?: return .text(text)
            case nil: return nil
            }
        }
    }

    public static func row(_ run: RunSummary, now: Date = Date()) -> [String: FieldValue] {
        var row: [String: FieldValue] = [
            "id": .number(Double(run.id)), "name": .text(run.name), "status": .text(run.status.rawValue),
            "steps_done": .number(Double(run.stepsDone)), "target_steps": .number(Double(run.targetSteps)),
            "created": .text(localTime(run.createdAt)),
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
    public static func duration(of run: RunSummary, now: Date = Date()) -> Double? {
        guard let start = run.startedAt else { return nil }
        return (run.endedAt ?? (run.status == .running ? now : nil))?.timeIntervalSince(start)
    }

    /// Times as `2026-11-29 12:46:31` in local time, as `list` prints them and `--where created > …` compares them.
    public static func localTime(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
