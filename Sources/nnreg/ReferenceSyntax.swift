import ArgumentParser
import Store

/// Checks a reference's syntax in `validate()` (exit 64 with usage for text that can never name a
/// checkpoint); whether it names something is only known once the store is open.
enum ReferenceSyntax {
    static func validate(_ text: String) throws {
        do { _ = try ReferenceReading.readings(of: text) } catch { throw ValidationError("\(error)") }
    }
}
