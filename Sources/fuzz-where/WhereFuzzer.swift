import Foundation
import RunFilter

// libFuzzer target for the `--where` parser. scripts/fuzz.sh builds it with `-DFUZZING -sanitize=fuzzer,address`;
// a plain build replays the inputs in the files named on the command line (a corpus or a crash).

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

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// libFuzzer's driver (it has C arguments only, so the Swift calling convention matches on Linux).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt
#endif

/// SwiftPM links every executable with its module's entry point as `main`, so the fuzz build keeps
/// one too and hands over to libFuzzer's driver; the plain build replays the files it is given.
@main
enum Main {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc, argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzz))
        #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        for path in arguments {
            let error = fuzzOne(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("\(path): \(error.map { "rejected: \($0)" } ?? "decoded")")
        }
        #endif
    }
}
