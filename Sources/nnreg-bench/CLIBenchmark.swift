import Foundation
import Store

/// Whole-process CLI figures (issue 4): `nnreg list` on 1,000 runs and `nnreg show` of a run with
/// 100,000 metric points, each the median of 11 launches of the built `nnreg` beside this binary.
func runCLIBenchmarks() throws {
    let binary = try nnregBinary()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-cli-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }

    let listPath = folder + "/list.sqlite"
    do {
        let store = try Store(path: listPath)
        try store.inTransaction {
            for index in 0..<1_000 {
                let run = try store.createRun(NewRun(
                    seed: Int64(index), targetSteps: 3_000, datasetName: "mnist", datasetSHA256: String(repeating: "0", count: 64),
                    params: ["learning_rate": .real(0.001), "batch_size": .int(256), "steps": .int(3_000),
                             "seed": .int(Int64(index)), "hidden1": .int(128), "hidden2": .int(256)],
                    tags: ["bench": "yes"]))
                try store.logMetrics(runID: run.id, samples: (1...30).flatMap { display in
                    [MetricSample(key: "loss", step: display * 100, value: 560 / Double(display), wallTime: Date()),
                     MetricSample(key: "accuracy", step: display * 100, value: 0.9, wallTime: Date())]
                })
                try store.finishRun(runID: run.id, status: .finished)
            }
        }
    }
    report("cli.list_1k_ms", try medianLaunch(binary, ["list", "--db", listPath]) * 1e3, "ms")

    let showPath = folder + "/show.sqlite"
    do {
        let store = try Store(path: showPath)
        let run = try store.createRun(NewRun(name: "long", targetSteps: 50_000))
        try store.logMetrics(runID: run.id, samples: (1...50_000).flatMap { step in
            [MetricSample(key: "loss", step: step, value: 560 / Double(step), wallTime: Date()),
             MetricSample(key: "accuracy", step: step, value: 1 - 1 / Double(step), wallTime: Date())]
        })
        try store.finishRun(runID: run.id, status: .finished)
    }
    report("cli.show_100k_ms", try medianLaunch(binary, ["show", "long", "--db", showPath]) * 1e3, "ms")
}
