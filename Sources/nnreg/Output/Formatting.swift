import Foundation
import RunQuery

/// Number and time formats shared by every command, so the same figure reads the same everywhere.
enum Formatting {
    static func accuracy(_ value: Double?) -> String {
        value.map { fixed($0, decimals: 4) } ?? "-"
    }

    static func loss(_ value: Double?) -> String {
        value.map { fixed($0, decimals: 2) } ?? "-"
    }

    /// `value` rounded to `decimals` places, like `%.Nf` but without Foundation's formatter (list prints thousands).
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let digits = String(scaled)
        let padded = digits.count <= decimals ? String(repeating: "0", count: decimals + 1 - digits.count) + digits : digits
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard decimals > 0 else { return sign + padded }
        return sign + padded.dropLast(decimals) + "." + padded.suffix(decimals)
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value < 60 { return fixed(value, decimals: 1) + "s" }
        if value < 3600 { return String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60) }
        return String(format: "%dh%02dm", Int(value) / 3600, (Int(value) % 3600) / 60)
    }

    /// `done/target` for a run with a target (nnreg's own training), `done` for a tracked program.
    static func steps(_ done: Int, of target: Int) -> String {
        target > 0 ? "\(done)/\(target)" : String(done)
    }

    /// An argument as a shell would need it typed: bare when safe, else in single quotes.
    static func shellQuoted(_ argument: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !argument.isEmpty, argument.allSatisfy({ safe.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func bytes(_ count: Int) -> String {
        count < 1024 ? "\(count) B" : count < 1 << 20
            ? String(format: "%.1f KB", Double(count) / 1024) : String(format: "%.1f MB", Double(count) / 1_048_576)
    }

    /// Times as `2026-11-29 12:46:31` in local time; ISO 8601 in JSON.
    static func time(_ date: Date?) -> String {
        date.map(RunFields.localTime) ?? "-"
    }
}
