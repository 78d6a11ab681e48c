import Foundation
import Store

/// Whole-process CLI figures (issue 4): `nnreg list` on 1,000 runs and `nnreg show` of a run with
/// 100,000 metric points, each the median of 11 launches of the built `nnreg` beside this binary.
func runCLIBenchmarks() throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("nnreg").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw BenchmarkError("no nnreg beside nnreg-bench at \(binary); build it first: swift build -c release")
    }
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

/// Median wall time of running the command to completion with its output discarded. Launched with
/// posix_spawn and waitpid, as a shell would, so the figure is nnreg's own time, not Foundation's.
private func medianLaunch(_ binary: String, _ arguments: [String], launches: Int = 11) throws -> Double {
    var times: [Double] = []
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([binary] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    for _ in 0..<launches {
        var pid = pid_t()
        let start = DispatchTime.now()
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchmarkError("cannot start \(binary): error \(spawned)") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        guard status == 0 else {
            throw BenchmarkError("nnreg \(arguments.joined(separator: " ")) failed with wait status \(status)")
        }
    }
    return times.sorted()[launches / 2]
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
