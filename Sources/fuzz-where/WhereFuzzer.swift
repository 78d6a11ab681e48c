import Foundation
import FuzzHarness
import RunFilter

// libFuzzer target for the `--where` parser; FuzzHarness says how it runs.

/// A row with every kind of value the registry's fields hold.
let row: [String: FieldValue] = [
    "name": .text("brisk-otter-42"), "test_accuracy": .number(0.9368), "batch_size": .number(256),
    "learning_rate": .number(1e-3), "seed": .number(3), "status": .text("finished"), "note": .text("7"),
]

/// Parses the input as UTF-8; whatever parses must evaluate on the row without trapping.
/// Returns why the input was rejected, or nil when it parsed.
func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    let expression: WhereExpression
    do { expression = try WhereParser.parse(String(decoding: bytes, as: UTF8.self)) } catch { return error }
    _ = expression.matches(row)
    _ = expression.matches([:])
    _ = expression.fields
    return nil
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne) }
}
