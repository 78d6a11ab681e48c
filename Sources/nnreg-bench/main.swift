import Foundation

// nnreg-bench SUITE [--data DIR]: prints one figure per line as `NAME VALUE UNIT`.
// Suites: store, train, cli, concurrency, registry, web, track, copy, postgres (one file each: StoreBenchmark.swift,
// …), all (every suite but postgres, which needs the server `make bench-postgres` starts).
// `score --db STORE --model REF --input ROWS.npy` times one batch of in-process scoring (make bench-serve).
// `emit LINES RATE` and `stamp` are the programs the track suite runs under `nnreg track`.
let arguments = Array(CommandLine.arguments.dropFirst())
let suite = arguments.first ?? "all"
var dataDirectory = ProcessInfo.processInfo.environment["NNREG_DATA"] ?? "data/mnist"
if let index = arguments.firstIndex(of: "--data"), index + 1 < arguments.count {
    dataDirectory = arguments[index + 1]
}

/// Prints one benchmark figure in the `NAME VALUE UNIT` format.
func report(_ name: String, _ value: Double, _ unit: String) {
    let formatted = value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    FileHandle.standardOutput.write(Data("\(name) \(formatted) \(unit)\n".utf8))
}

do {
    switch suite {
    case "store": try runStoreBenchmarks()
    case "train": try runTrainBenchmarks(dataDirectory: dataDirectory)
    case "cli": try runCLIBenchmarks()
    case "concurrency": try runConcurrencyBenchmarks()
    case "registry": try runRegistryBenchmarks(dataDirectory: dataDirectory)
    case "web": try runWebBenchmarks(dataDirectory: dataDirectory)
    case "track": try runTrackBenchmarks()
    case "postgres": try runPostgresBenchmarks(executable: CommandLine.arguments[0])
    case "pg-writer" where arguments.count >= 4:
        try runPostgresWriter(url: arguments[1], steps: Int(arguments[2]) ?? 0, name: arguments[3])
    case "copy": try runCopyBenchmarks()
    case "score": try runScoreBenchmark(Array(arguments.dropFirst()))
    case "emit" where arguments.count >= 3:
        emitMetricLines(Int(arguments[1]) ?? 0, perSecond: Double(arguments[2]) ?? 0, metrics: arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2)
    case "stamp": printStartStamp()
    case "all":
        try runStoreBenchmarks()
        try runTrainBenchmarks(dataDirectory: dataDirectory)
        try runCLIBenchmarks()
        try runRegistryBenchmarks(dataDirectory: dataDirectory)
        try runWebBenchmarks(dataDirectory: dataDirectory)
        try runTrackBenchmarks()
        try runCopyBenchmarks()
    default:
        FileHandle.standardError.write(Data("usage: nnreg-bench store|train|cli|concurrency|registry|web|track|copy|postgres|score|all [--data DIR]\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
