import Foundation
import Trainer

/// Trainer figures (issues 3 and 12): the seed's 3000-step run on `dataDirectory`, NNREG_BENCH_ROUNDS
/// times (default 3), each round side by side with the peers that are available: the README's NumPy
/// script (`scripts/numpy_seed.py` under `.venv/bin/python3`, else `python3`) and, when
/// NNREG_BENCH_OPENBLAS names the `nnreg-bench` of an nnreg that still used OpenBLAS, its `train`
/// figure. Times are medians, ratios the median of each round's ratio. Then each product's GFLOP/s
/// against the FMA peak of this CPU (kernel.* lines; `KernelBenchmark.swift`).
/// NNREG_SEED overrides the seed, NNREG_STEPS the steps (figures scaled to 3000); the display-step curve goes to stderr.
func runTrainBenchmarks(dataDirectory: String) throws {
    let environment = ProcessInfo.processInfo.environment
    let loadStart = now()
    let dataset = try Dataset.load(directory: dataDirectory)
    let loadSeconds = now() - loadStart

    var hyperparameters = Hyperparameters()
    if let seed = environment["NNREG_SEED"].flatMap(UInt64.init) { hyperparameters.seed = seed }
    if let steps = environment["NNREG_STEPS"].flatMap(Int.init) { hyperparameters.steps = steps }
    let rounds = max(1, environment["NNREG_BENCH_ROUNDS"].flatMap(Int.init) ?? 3)
    let scale = 3000 / Double(hyperparameters.steps)
    let numpy = numpyCommand(dataDirectory: dataDirectory)
    let openBLAS = environment["NNREG_BENCH_OPENBLAS"].flatMap { $0.isEmpty ? nil : $0 }

    var ours: [Double] = [], numpySeconds: [Double] = [], openBLASSeconds: [Double] = []
    var vsNumpy: [Double] = [], vsOpenBLAS: [Double] = []
    var network: Network?
    var curve = CurveObserver()
    for _ in 0..<rounds {
        let trainer = try Trainer(hyperparameters: hyperparameters, dataset: dataset)
        curve = CurveObserver()
        let trainStart = now()
        try trainer.train(until: hyperparameters.steps, observer: curve)
        let seconds = (now() - trainStart) * scale
        ours.append(seconds)
        network = trainer.network
        if let numpy, let theirs = try figure(numpy, named: "numpy.seconds_3000") {
            numpySeconds.append(theirs)
            vsNumpy.append(theirs / seconds)
        }
        if let openBLAS, let theirs = try figure([openBLAS, "train", "--data", dataDirectory], named: "train.seconds_3000") {
            openBLASSeconds.append(theirs)
            vsOpenBLAS.append(theirs / seconds)
        }
    }
    guard let network else { return }

    var evaluation = network.evaluate(dataset.test)
    var evalSeconds = Double.infinity
    for _ in 0..<3 {
        let start = now()
        evaluation = network.evaluate(dataset.test)
        evalSeconds = min(evalSeconds, now() - start)
    }

    report("train.seconds_3000", median(ours), "s")
    report("train.steps_per_s", 3000 / median(ours), "steps/s")
    report("train.gflops", 471.1 / median(ours), "GFLOP/s")
    if !vsNumpy.isEmpty {
        report("train.numpy_seconds_3000", median(numpySeconds), "s")
        report("train.vs_numpy", median(vsNumpy), "x")
    }
    if !vsOpenBLAS.isEmpty {
        report("train.openblas_seconds_3000", median(openBLASSeconds), "s")
        report("train.vs_openblas", median(vsOpenBLAS), "x")
    }
    report("train.test_accuracy", evaluation.accuracy, "fraction")
    report("train.test_eval_ms", evalSeconds * 1000, "ms")
    report("train.data_load_ms", loadSeconds * 1000, "ms")
    report("train.peak_rss_mb", peakResidentMegabytes(), "MB")
    let curveText = curve.reports.map { "step \($0.step) loss \($0.loss) accuracy \($0.accuracy)" }.joined(separator: "\n")
    FileHandle.standardError.write(Data("""
        seed \(hyperparameters.seed) dataset \(dataset.identity.name) kernels \(try KernelPath.fromEnvironment().rawValue) \
        rounds \(ours.map { String(format: "%.2f", $0) }.joined(separator: " ")) s, numpy \(numpySeconds.map { String(format: "%.2f", $0) }.joined(separator: " ")) s\
        \(openBLASSeconds.isEmpty ? "" : ", openblas " + openBLASSeconds.map { String(format: "%.2f", $0) }.joined(separator: " ") + " s")
        test accuracy \(String(format: "%.4f", evaluation.accuracy)) weights sha256 \(Trainer.sha256Hex(network.serialized()))
        \(curveText)

        """.utf8))
    try runKernelBenchmarks(dataset: dataset)
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The NumPy peer, when its script and a Python with numpy are here.
private func numpyCommand(dataDirectory: String) -> [String]? {
    let script = "scripts/numpy_seed.py"
    guard FileManager.default.fileExists(atPath: script) else { return nil }
    let venv = ".venv/bin/python3"
    let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    return [python, script, dataDirectory]
}

/// Runs a peer to completion and returns the value of its `NAME VALUE UNIT` line `name` (nil when it
/// could not run: the figure is then left out).
private func figure(_ command: [String], named name: String) throws -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
}

private final class CurveObserver: TrainingObserver {
    var reports: [StepReport] = []
    func trainer(_ trainer: Trainer, didReport report: StepReport) throws { reports.append(report) }
    func trainer(_ trainer: Trainer, didFinishStep step: Int) throws -> Bool { true }
}

/// VmHWM of this process from /proc/self/status, in MB (0 where unavailable).
private func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return kilobytes / 1024
}
