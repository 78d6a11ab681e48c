import Foundation

/// Number and time formats shared by every command, so the same figure reads the same everywhere.
enum Formatting {
    static func accuracy(_ value: Double?) -> String {
        value.map { String(format: "%.4f", $0) } ?? "-"
    }

    static func loss(_ value: Double?) -> String {
        value.map { String(format: "%.2f", $0) } ?? "-"
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value < 60 { return String(format: "%.1fs", value) }
        if value < 3600 { return String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60) }
        return String(format: "%dh%02dm", Int(value) / 3600, (Int(value) % 3600) / 60)
    }

    static func bytes(_ count: Int) -> String {
        count < 1024 ? "\(count) B" : count < 1 << 20
            ? String(format: "%.1f KB", Double(count) / 1024) : String(format: "%.1f MB", Double(count) / 1_048_576)
    }

    /// Times as `2026-11-29 12:46:31` in local time; ISO 8601 in JSON.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
