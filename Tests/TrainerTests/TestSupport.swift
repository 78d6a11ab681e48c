import Foundation
@testable import Trainer

/// A temporary directory removed when the value is dropped by `withTemporaryDirectory`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "nnreg-trainer-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The repository's data/mnist directory when the real MNIST files are there.
var realMNISTDirectory: String? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let directory = root.appendingPathComponent("data/mnist").path
    let present = DatasetIdentity.fileNames.allSatisfy {
        FileManager.default.fileExists(atPath: directory + "/" + $0) || FileManager.default.fileExists(atPath: directory + "/" + $0 + ".gz")
    }
    return present ? directory : nil
}

/// Small, fast settings on the synthetic data.
func smallHyperparameters(seed: UInt64 = 7) -> Hyperparameters {
    var h = Hyperparameters()
    h.batchSize = 32
    h.hidden = [16, 24]
    h.shuffleBufferSize = 100
    h.displayStep = 5
    h.steps = 40
    h.learningRate = 0.01
    h.seed = seed
    return h
}

final class RecordingObserver: TrainingObserver {
    var reports: [StepReport] = []
    var finished: [Int] = []
    var stopAt: Int?
    func trainer(_ trainer: Trainer, didReport report: StepReport) throws { reports.append(report) }
    func trainer(_ trainer: Trainer, didFinishStep step: Int) throws -> Bool {
        finished.append(step)
        return step != stopAt
    }
}

import CKernels
func nn_expf_value(_ x: Float) -> Float { nn_expf(x) }
