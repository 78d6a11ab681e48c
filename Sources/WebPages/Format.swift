import Foundation
import RunQuery

/// Numbers and times as the pages show them (the same figures `nnreg list` prints).
enum Format {
    static func accuracy(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "–" }
    static func loss(_ value: Double?) -> String {
        guard let value else { return "–" }
        return abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4g", value)
    }
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value < 60 { return String(format: "%.1fs", value) }
        if value < 3600 { return String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60) }
        return String(format: "%dh%02dm", Int(value) / 3600, Int(value) % 3600 / 60)
    }
    static func time(_ date: Date?) -> String { date.map(RunFields.localTime) ?? "–" }
    static func bytes(_ count: Int) -> String {
        count < 1_000 ? "\(count) B" : count < 1_000_000 ? String(format: "%.1f KB", Double(count) / 1e3) : String(format: "%.1f MB", Double(count) / 1e6)
    }
}
