import Foundation
import Store
import WebPages

/// Web figures (issue 9) on a store with 10,000 runs of 30 display points each and 10 runs of
/// 100,000 points: server time of the runs page (filtered and sorted), of a run page with a
/// 100,000-point curve and of 100 runs compared, each the median of 11 renders on a read-only
/// store, as `nnreg serve` does it; then over HTTP: Chromium's load time of the runs page and wrk's
/// requests per second with 16 connections.
func runWebBenchmarks(dataDirectory: String) throws {
    let binary = try nnregBinary()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-web-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // NNREG_WEB_STORE keeps the filled store between runs (it takes a while to fill).
    let path = ProcessInfo.processInfo.environment["NNREG_WEB_STORE"] ?? folder + "/web.sqlite"
    if !FileManager.default.fileExists(atPath: path) { try fillWebStore(path) }
    let store = try Store(readingOnly: path)
    report("web.list_10k_ms", try medianMilliseconds { _ = try store.listRuns() }, "ms")

    let request = RunsPage.Request(filter: "test_accuracy > 0.5 and batch_size = 256", sortField: "test_accuracy", isDescending: true)
    var runsHTML = ""
    if ProcessInfo.processInfo.environment["NNREG_WEB_QUICK"] != nil {
        report("web.runs_page_ms", try medianMilliseconds { runsHTML = try RunsPage.load(store, request).html() }, "ms")
        report("web.run_page_100k_ms", try medianMilliseconds { _ = try RunPage.load(store, id: 10_001, predictions: nil).html() }, "ms")
        return
    }
    report("web.runs_page_ms", try medianMilliseconds { runsHTML = try RunsPage.load(store, request).html() }, "ms")
    report("web.runs_page_kb", Double(runsHTML.utf8.count) / 1e3, "KB")
    var runHTML = ""
    report("web.run_page_100k_ms", try medianMilliseconds { runHTML = try RunPage.load(store, id: 10_001, predictions: nil).html() }, "ms")
    report("web.run_page_100k_kb", Double(runHTML.utf8.count) / 1e3, "KB")
    let hundred = Array(Int64(1)...100)
    var compareHTML = ""
    report("web.compare_100_ms", try medianMilliseconds { compareHTML = try ComparePage.load(store, ids: hundred).html() }, "ms")
    report("web.compare_100_kb", Double(compareHTML.utf8.count) / 1e3, "KB")
    report("web.compare_10x100k_ms", try medianMilliseconds { _ = try ComparePage.load(store, ids: Array(10_001...10_010)).html() }, "ms")

    // Over HTTP: a real server process, a real browser, a real load generator.
    let server = Process()
    server.executableURL = URL(fileURLWithPath: binary)
    server.arguments = ["serve", "--db", path, "--data", dataDirectory, "--port", "0"]
    let output = Pipe()
    server.standardOutput = output
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer { server.terminate(); server.waitUntilExit() }
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    guard let range = line.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
        throw BenchmarkError("nnreg serve did not start: \(line)")
    }
    let url = String(line[range])
    let pageURL = url + "/?where=test_accuracy+%3E+0.5+and+batch_size+%3D+256&sort=test_accuracy&dir=desc"
    if let browser = try? runCapturing(".venv/bin/python3", ["scripts/peers/browser_check.py", url, "--pages",
                                                             "/?where=test_accuracy+%3E+0.5&sort=test_accuracy&dir=desc", "/", "/"]),
       let json = try? JSONSerialization.jsonObject(with: Data(browser.utf8)) as? [String: Any],
       let pages = json["pages"] as? [[String: Any]] {
        let warm = pages.dropFirst().compactMap { $0["load_ms"] as? Double }
        report("web.browser_load_ms", warm.min() ?? .nan, "ms")
    } else {
        FileHandle.standardError.write(Data("web.browser_load_ms: needs .venv (make venv) and chromium\n".utf8))
    }
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") {
        let wrk = try runCapturing("/usr/bin/wrk", ["-t2", "-c16", "-d10s", pageURL])
        if let requests = wrk.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") })?.split(separator: " ").last {
            report("web.requests_per_s", Double(requests) ?? .nan, "req/s")
        }
        if let errors = wrk.split(separator: "\n").first(where: { $0.contains("Non-2xx") || $0.contains("Socket errors") }) {
            FileHandle.standardError.write(Data("wrk: \(errors)\n".utf8))
        }
    } else {
        FileHandle.standardError.write(Data("web.requests_per_s: needs wrk (apt-get install wrk)\n".utf8))
    }
}

/// 10,000 runs with params, a tag and 30 display points of loss and accuracy, a test evaluation
/// each; then 10 runs of 100,000 points of each.
private func fillWebStore(_ path: String) throws {
    let store = try Store(path: path)
    try store.inTransaction {
        for index in 0..<10_000 {
            let run = try store.createRun(NewRun(
                seed: Int64(index), targetSteps: 3_000, datasetName: "mnist", datasetSHA256: String(repeating: "0", count: 64),
                params: ["learning_rate": .real([0.001, 0.002, 0.005][index % 3]), "batch_size": .int(index % 4 == 0 ? 128 : 256),
                         "steps": .int(3_000), "seed": .int(Int64(index)), "hidden1": .int(128), "hidden2": .int(256)],
                tags: ["sweep": "lr-\(index % 3)"]))
            var samples: [MetricSample] = []
            for display in 1...30 {
                let loss = 560 / Double(display) + Double(index % 17)
                let accuracy = min(0.99, 0.4 + 0.02 * Double(display) + Double(index % 13) / 200)
                samples.append(MetricSample(key: "loss", step: display * 100, value: loss, wallTime: Date()))
                samples.append(MetricSample(key: "accuracy", step: display * 100, value: accuracy, wallTime: Date()))
            }
            try store.logMetrics(runID: run.id, samples: samples)
            try store.saveCheckpoint(runID: run.id, step: 3_000, weights: Data(count: 64), trainerState: Data())
            try store.addEvaluation(NewEvaluation(runID: run.id, step: 3_000, datasetName: "mnist", datasetSHA256: String(repeating: "0", count: 64),
                                                  split: "test", accuracy: 0.3 + Double(index % 97) / 150))
            try store.updateRun(runID: run.id, stepsDone: 3_000)
            try store.finishRun(runID: run.id, status: .finished)
        }
        for index in 0..<10 {
            let run = try store.createRun(NewRun(name: "long-\(index)", targetSteps: 100_000))
            var samples: [MetricSample] = []
            samples.reserveCapacity(200_000)
            for step in 1...100_000 {
                let loss = 560 / Double(step) + (step == 77_777 ? 400 : 0)
                samples.append(MetricSample(key: "loss", step: step, value: loss, wallTime: Date()))
                samples.append(MetricSample(key: "accuracy", step: step, value: 1 - 1 / Double(step), wallTime: Date()))
            }
            try store.logMetrics(runID: run.id, samples: samples)
            try store.finishRun(runID: run.id, status: .finished)
        }
    }
}

private func medianMilliseconds(runs: Int = 11, _ body: () throws -> Void) throws -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[runs / 2]
}

private func runCapturing(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkError("\(executable) exited \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}
