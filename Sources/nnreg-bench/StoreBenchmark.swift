import Foundation
import Store

/// Store figures (issue 2), each measured on a fresh temporary store file.
func runStoreBenchmarks() throws {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("nnreg-store-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try runStoreBenchmarks(prefix: "store", location: { folder + "/\($0).sqlite" }, size: { path in
        _ = try Store(path: path)  // closing the last connection checkpoints and removes the WAL
        return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    })
}

/// The Store figures on any backend: `location(name)` gives a fresh store's location, `size` the
/// bytes a store takes.
func runStoreBenchmarks(prefix: String, location: (String) throws -> String, size: (String) throws -> Int) throws {

    // store.log_point_us: one display step (loss + accuracy) per transaction.
    do {
        let store = try Store(path: try location("log"))
        let run = try store.createRun(NewRun(targetSteps: 20_000))
        let steps = prefix == "store" ? 20_000 : 2_000
        let start = DispatchTime.now()
        for step in 1...steps {
            try store.logMetrics(
                runID: run.id, step: step, values: [("loss", 1.0 / Double(step)), ("accuracy", 0.5)])
        }
        report("\(prefix).log_point_us", seconds(since: start) * 1e6 / Double(2 * steps), "us")
    }

    // store.batch_points_per_s and store.bytes_per_point: 1,000,000 points in batched transactions,
    // over 100 runs × 2 keys × 5,000 steps.
    let batchPath = try location("batch")
    do {
        let store = try Store(path: batchPath)
        let runIDs = try (0..<100).map { _ in try store.createRun(NewRun(targetSteps: 5_000)).id }
        let wallTime = Date()
        let batches: [(Int64, [MetricSample])] = runIDs.map { runID in
            (runID, (1...5_000).flatMap { step in
                [MetricSample(key: "loss", step: step, value: 2.0 / Double(step), wallTime: wallTime),
                 MetricSample(key: "accuracy", step: step, value: 0.9, wallTime: wallTime)]
            })
        }
        let start = DispatchTime.now()
        for (runID, samples) in batches { try store.logMetrics(runID: runID, samples: samples) }
        report("\(prefix).batch_points_per_s", 1_000_000 / seconds(since: start), "points/s")
    }
    report("\(prefix).bytes_per_point", Double(try size(batchPath)) / 1_000_000, "bytes")

    // store.history_100k_ms: one metric with 100,000 points.
    do {
        let store = try Store(path: try location("history"))
        let run = try store.createRun(NewRun(targetSteps: 100_000))
        let now = Date()
        try store.logMetrics(
            runID: run.id,
            samples: (1...100_000).map { MetricSample(key: "loss", step: $0, value: 1 / Double($0), wallTime: now) })
        _ = try store.metricHistory(runID: run.id, key: "loss")  // warm the page cache
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now()
            let points = try store.metricHistory(runID: run.id, key: "loss")
            best = min(best, seconds(since: start))
            precondition(points.count == 100_000)
        }
        report("\(prefix).history_100k_ms", best * 1e3, "ms")
    }

    // store.list_1k_ms: 1,000 finished runs with 30 display steps each, 6 params and a tag.
    do {
        let store = try Store(path: try location("list"))
        let now = Date()
        try store.inTransaction {
            for index in 0..<1_000 {
                let run = try store.createRun(
                    NewRun(
                        seed: Int64(index), targetSteps: 3_000,
                        params: [
                            "lr": .real(0.001), "batch": .int(256), "steps": .int(3_000), "seed": .int(Int64(index)),
                            "hidden": .text("128,256"), "optimizer": .text("sgd"),
                        ], tags: ["bench": "yes"]))
                try store.logMetrics(
                    runID: run.id,
                    samples: (1...30).flatMap { display in
                        [MetricSample(key: "loss", step: display * 100, value: 1 / Double(display), wallTime: now),
                         MetricSample(key: "accuracy", step: display * 100, value: 0.9, wallTime: now)]
                    })
                try store.finishRun(runID: run.id, status: .finished)
            }
        }
        _ = try store.listRuns()
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now()
            let runs = try store.listRuns()
            best = min(best, seconds(since: start))
            precondition(runs.count == 1_000 && runs[0].loss != nil && runs[0].accuracy != nil)
        }
        report("\(prefix).list_1k_ms", best * 1e3, "ms")
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
