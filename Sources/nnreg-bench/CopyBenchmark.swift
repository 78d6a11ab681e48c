import Foundation
import Store

/// `nnreg copy` figures (issue 11), in process, SQLite → SQLite, each on fresh temporary stores:
/// metric points a second (runs of points only, so blobs do not share the time), blob megabytes a
/// second (runs of checkpoints only, every blob re-hashed on arrival), and how long a second copy
/// of the points store takes to find every run already there (it compares both sides' content).
/// `NNREG_BENCH_COPY_RUNS` (default 20) and `NNREG_BENCH_COPY_POINTS` (per run, default 50,000) size it.
func runCopyBenchmarks() throws {
    try runCopyBenchmarks(prefix: "copy", destination: { nil })
}

/// The copy figures from SQLite files into `destination()`'s stores (nil: SQLite files beside them).
func runCopyBenchmarks(prefix: String, destination: () throws -> String?) throws {
    let environment = ProcessInfo.processInfo.environment
    let runs = environment["NNREG_BENCH_COPY_RUNS"].flatMap { Int($0) } ?? 20
    let pointsPerRun = environment["NNREG_BENCH_COPY_POINTS"].flatMap { Int($0) } ?? 50_000
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-copy-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }

    // Points: each run has loss and accuracy at pointsPerRun / 2 steps.
    let points = try Store(path: folder + "/points.sqlite")
    let now = Date()
    for index in 0..<runs {
        let run = try points.createRun(NewRun(name: "points-\(index)", targetSteps: pointsPerRun / 2))
        try points.logMetrics(runID: run.id, samples: (0..<(pointsPerRun / 2)).flatMap { step in
            [MetricSample(key: "loss", step: step, value: 1 / Double(step + 1), wallTime: now),
             MetricSample(key: "accuracy", step: step, value: Double(step % 100) / 100, wallTime: now)]
        })
        try points.finishRun(runID: run.id, status: .finished)
    }
    let pointsCopy = try Store(path: try destination() ?? folder + "/points-copy.sqlite")
    let first = try points.copyRuns(to: pointsCopy)
    guard first.copied.count == runs, first.isComplete else { throw BenchmarkError("copy of the points store incomplete: \(first)") }
    report("\(prefix).points_per_s", Double(first.metricPoints) / first.seconds, "points/s")
    let again = try points.copyRuns(to: pointsCopy)
    guard again.alreadyPresent.count == runs else { throw BenchmarkError("second copy found \(again.alreadyPresent.count) of \(runs) runs") }
    report("\(prefix).again_ms", again.seconds * 1e3, "ms")

    // Blobs: each run has five checkpoints of 1.1 MB of weights (as the seed network's) and a state.
    let blobs = try Store(path: folder + "/blobs.sqlite")
    var generator = SystemRandomNumberGenerator()
    for index in 0..<runs {
        let run = try blobs.createRun(NewRun(name: "blobs-\(index)", targetSteps: 5))
        for step in 1...5 {
            var weights = Data(count: 1_100_000)  // random, so no two blobs are alike
            weights.withUnsafeMutableBytes { raw in
                for offset in stride(from: 0, to: raw.count - 7, by: 8) {
                    raw.storeBytes(of: generator.next(), toByteOffset: offset, as: UInt64.self)
                }
            }
            try blobs.saveCheckpoint(runID: run.id, step: step, weights: weights, trainerState: Data(weights.prefix(4096)))
        }
        try blobs.updateRun(runID: run.id, stepsDone: 5)
        try blobs.finishRun(runID: run.id, status: .finished)
    }
    let blobsCopy = try Store(path: try destination() ?? folder + "/blobs-copy.sqlite")
    let copied = try blobs.copyRuns(to: blobsCopy)
    guard copied.copied.count == runs, copied.isComplete else { throw BenchmarkError("copy of the blobs store incomplete: \(copied)") }
    report("\(prefix).mb_per_s", Double(copied.blobBytes) / 1_048_576 / copied.seconds, "MB/s")
}
