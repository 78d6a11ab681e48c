import Foundation

/// What the fuzz executables share. Built by scripts/fuzz.sh with `-DFUZZING -sanitize=fuzzer,address`,
/// `run(_:)` hands the process to libFuzzer's driver with `fuzzOne` as the target; a plain build
/// replays the files named on the command line instead (a corpus or a crash file) and says, for
/// each, whether it decoded or why it was rejected.
///
/// SwiftPM links every executable with its module's entry point as `main`, so each fuzzer keeps an
/// `@main` that calls `run(_:)`, rather than relying on libFuzzer's own `main`.
public enum FuzzHarness {
    /// The target `LLVMFuzzerTestOneInput` calls: decodes one input, or returns why it was rejected;
    /// traps (precondition) only on a real bug.
    nonisolated(unsafe) static var target: ([UInt8]) -> (any Error)? = { _ in nil }

    /// `--write-seeds DIR` writes `seeds()` into DIR, one file per seed, as the target's seed corpus
    /// (Fuzz/corpus/<target>); anything else is `run(_:)`.
    public static func run(_ fuzzOne: @escaping ([UInt8]) -> (any Error)?, seeds: () throws -> [(name: String, bytes: [UInt8])]) throws -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--write-seeds", arguments.count == 2 {
            try FileManager.default.createDirectory(atPath: arguments[1], withIntermediateDirectories: true)
            for seed in try seeds() {
                try Data(seed.bytes).write(to: URL(fileURLWithPath: arguments[1] + "/" + seed.name))
            }
            exit(0)
        }
        try run(fuzzOne)
    }

    public static func run(_ fuzzOne: @escaping ([UInt8]) -> (any Error)?) throws -> Never {
        target = fuzzOne
        #if FUZZING
        var argc = CommandLine.argc, argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzTestOneInput))
        #else
        for path in CommandLine.arguments.dropFirst() {
            let error = fuzzOne(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("\(path): \(error.map { "rejected: \($0)" } ?? "decoded")")
        }
        exit(0)
        #endif
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FuzzHarness.target(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// libFuzzer's driver (it has C arguments only, so the Swift calling convention matches on Linux).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt
#endif
