import Foundation
import Trainer

/// Trainer figures (issue 3): the seed's 3000-step run on `dataDirectory`.
/// NNREG_SEED overrides the seed, NNREG_STEPS the steps (figures scaled to 3000); the display-step curve goes to stderr.
func runTrainBenchmarks(dataDirectory: String) throws {
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    let loadStart = now()
    let dataset = try Dataset.load(directory: dataDirectory)
    let loadSeconds = now() - loadStart

    var hyperparameters = Hyperparameters()
    if let seed = ProcessInfo.processInfo.environment["NNREG_SEED"].flatMap(UInt64.init) { hyperparameters.seed = seed }
    if let steps = ProcessInfo.processInfo.environment["NNREG_STEPS"].flatMap(Int.init) { hyperparameters.steps = steps }
    let trainer = try Trainer(hyperparameters: hyperparameters, dataset: dataset)
    let curve = CurveObserver()
    let trainStart = now()
    try trainer.train(until: hyperparameters.steps, observer: curve)
    let trainSeconds = now() - trainStart

    let network = trainer.network
    var evaluation = network.evaluate(dataset.test)
    var evalSeconds = Double.infinity
    for _ in 0..<3 {
        let start = now()
        evaluation = network.evaluate(dataset.test)
        evalSeconds = min(evalSeconds, now() - start)
    }

    report("train.seconds_3000", trainSeconds * 3000 / Double(hyperparameters.steps), "s")
    report("train.steps_per_s", Double(hyperparameters.steps) / trainSeconds, "steps/s")
    report("train.gflops", 471.1 / (trainSeconds * 3000 / Double(hyperparameters.steps)), "GFLOP/s")
    report("train.test_accuracy", evaluation.accuracy, "fraction")
    report("train.test_eval_ms", evalSeconds * 1000, "ms")
    report("train.data_load_ms", loadSeconds * 1000, "ms")
    report("train.peak_rss_mb", peakResidentMegabytes(), "MB")
    let curveText = curve.reports.map { "step \($0.step) loss \($0.loss) accuracy \($0.accuracy)" }.joined(separator: "\n")
    FileHandle.standardError.write(Data("seed \(hyperparameters.seed) dataset \(dataset.identity.name) test accuracy \(String(format: "%.4f", evaluation.accuracy))\n\(curveText)\n".utf8))
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
