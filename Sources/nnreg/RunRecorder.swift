import Foundation
import Store
import Trainer

/// Connects a `Trainer` to the `Store`: every display step's loss and accuracy, checkpoints every
/// `checkpointEvery` steps and at `target` (with that step's metrics in the same transaction),
/// heartbeats, live progress, and a stop after the current step on SIGINT/SIGTERM.
final class RunRecorder: TrainingObserver {
    let store: Store
    let runID: Int64
    let target: Int
    let checkpointEvery: Int
    let displayStep: Int
    let printsSteps: Bool
    private(set) var lastCheckpointStep: Int?
    private(set) var lastReport: StepReport?
    /// Asked after each display step is recorded; a status ends the run there (a sweep's pruner:
    /// `pruned`; its sweep stopped: `interrupted`).
    var judge: ((StepReport) throws -> RunStatus?)?
    /// Steps that get a checkpoint besides every `checkpointEvery` (a sweep's rungs).
    var checkpointSteps: Set<Int> = []
    /// The status the judge ended the run with.
    private(set) var verdict: RunStatus?
    private let startTime = Date()
    private let startStep: Int
    private var lastProgress = Date.distantPast
    private var lastHeartbeat = Date()

    init(store: Store, runID: Int64, trainer: Trainer, target: Int, checkpointEvery: Int, printsSteps: Bool,
         lastCheckpointStep: Int? = nil) {
        self.store = store
        self.runID = runID
        self.target = target
        self.checkpointEvery = checkpointEvery
        self.displayStep = trainer.hyperparameters.displayStep
        self.printsSteps = printsSteps
        self.startStep = trainer.step
        self.lastCheckpointStep = lastCheckpointStep
    }

    var elapsed: Double { Date().timeIntervalSince(startTime) }

    private func isCheckpointDue(_ step: Int) -> Bool {
        step % checkpointEvery == 0 || step == target || checkpointSteps.contains(step)
    }

    func trainer(_ trainer: Trainer, didReport report: StepReport) throws {
        let checkpoint = isCheckpointDue(report.step) ? try Self.blobs(of: trainer) : nil
        var metrics = [("loss", Double(report.loss)), ("accuracy", Double(report.accuracy))]
        if let validation = report.validation {
            metrics += [("val_loss", validation.loss), ("val_accuracy", validation.accuracy)]
        }
        try store.logStep(runID: runID, step: report.step, metrics: metrics, checkpoint: checkpoint)
        if checkpoint != nil { lastCheckpointStep = report.step }
        lastReport = report
        lastHeartbeat = Date()
        if let judge, let status = try judge(report) { verdict = status }
        if printsSteps {
            Terminal.endProgress()
            var line = String(format: "step: %d, loss: %.6f, accuracy: %.6f", report.step, report.loss, report.accuracy)
            if let validation = report.validation {
                line += String(format: ", val_loss: %.6f, val_accuracy: %.6f", validation.loss, validation.accuracy)
            }
            print(line)
        }
    }

    func trainer(_ trainer: Trainer, didFinishStep step: Int) throws -> Bool {
        if isCheckpointDue(step), step % displayStep != 0 { try saveCheckpoint(trainer) }
        let now = Date()
        if now.timeIntervalSince(lastHeartbeat) > 5 {
            try store.heartbeat(runID: runID, step: step)
            lastHeartbeat = now
        }
        if Terminal.isStandardErrorTTY, now.timeIntervalSince(lastProgress) > 0.1 {
            lastProgress = now
            Terminal.progress(progressLine(step: step))
        }
        return !Interruption.isRequested && verdict == nil
    }

    /// Saves a checkpoint of the trainer's current step unless one exists already.
    func saveCheckpoint(_ trainer: Trainer) throws {
        guard lastCheckpointStep != trainer.step else { return }
        let blobs = try Self.blobs(of: trainer)
        try store.inTransaction {
            try store.saveCheckpoint(runID: runID, step: trainer.step, weights: blobs.weights, trainerState: blobs.trainerState)
            try store.heartbeat(runID: runID, step: trainer.step)
        }
        lastCheckpointStep = trainer.step
    }

    /// Throws `nonFiniteLoss` rather than save weights an update has overflowed to NaN or infinity.
    private static func blobs(of trainer: Trainer) throws -> (weights: Data, trainerState: Data) {
        let network = trainer.network
        guard network.isFinite else { throw TrainerError.nonFiniteLoss(step: trainer.step) }
        return (Data(network.serialized()), Data(trainer.serializedState()))
    }

    private func progressLine(step: Int) -> String {
        let rate = Double(step - startStep) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(target - step) / rate : 0
        var line = "step \(step)/\(target)"
        if let lastReport {
            line += String(format: "  loss %.2f  accuracy %.4f", lastReport.loss, lastReport.accuracy)
        }
        return line + String(format: "  %.0f steps/s  ETA %@", rate, Formatting.seconds(eta))
    }
}
