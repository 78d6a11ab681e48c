import Foundation
import Store
import Trainer

/// What `train` and `resume` share: run the loop into the store, then end the run in the state
/// that tells the truth — `finished` with a test evaluation, `interrupted` (exit 130) after a signal,
/// or `failed` when the loss stops being finite or anything else goes wrong.
struct TrainingSession {
    let store: Store
    let run: Run
    let trainer: Trainer
    let dataset: Dataset
    let target: Int
    let checkpointEvery: Int
    let isJSON: Bool
    var lastCheckpointStep: Int?
    /// A sweep's judge of each display step and its rungs (see `RunRecorder`).
    var judge: ((StepReport) throws -> RunStatus?)?
    var checkpointSteps: Set<Int> = []

    /// The closing record of a session; also `train --json`'s output.
    struct Outcome: Encodable {
        let runID: Int64
        let name: String
        var status: String
        let steps: Int
        let targetSteps: Int
        let loss: Float?
        let accuracy: Float?
        var testAccuracy: Double?
        var testLoss: Double?
        let seconds: Double
        let stepsPerSecond: Double
        let checkpointSHA256: String?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", name, status, steps, targetSteps = "target_steps", loss, accuracy
            case testAccuracy = "test_accuracy", testLoss = "test_loss", seconds
            case stepsPerSecond = "steps_per_s", checkpointSHA256 = "checkpoint_sha256"
        }
    }

    func execute() throws -> Outcome {
        let recorder = RunRecorder(
            store: store, runID: run.id, trainer: trainer, target: target, checkpointEvery: checkpointEvery,
            printsSteps: !isJSON, lastCheckpointStep: lastCheckpointStep)
        recorder.judge = judge
        recorder.checkpointSteps = checkpointSteps
        let startStep = trainer.step
        Interruption.install()
        do {
            try trainer.train(until: target, observer: recorder)
        } catch let error as TrainerError {
            Terminal.endProgress()
            try? store.finishRun(runID: run.id, status: .failed)
            let last = recorder.lastCheckpointStep.map { "; its last good checkpoint is \(run.name)@\($0)" } ?? ""
            throw CLIError("run \(run.name) failed: \(error)\(last)")
        } catch let error as StoreError {
            throw failure(error, recorder: recorder)
        } catch {
            Terminal.endProgress()
            try? store.finishRun(runID: run.id, status: .failed)
            throw error
        }
        Terminal.endProgress()
        let seconds = recorder.elapsed
        do {
            try recorder.saveCheckpoint(trainer)
        } catch let error as StoreError {
            throw failure(error, recorder: recorder)
        }
        var outcome = Outcome(
            runID: run.id, name: run.name, status: RunStatus.interrupted.rawValue, steps: trainer.step,
            targetSteps: target, loss: recorder.lastReport?.loss, accuracy: recorder.lastReport?.accuracy,
            testAccuracy: nil, testLoss: nil, seconds: seconds,
            stepsPerSecond: Double(trainer.step - startStep) / max(seconds, 1e-9),
            checkpointSHA256: try store.checkpoints(runID: run.id).last?.weightsSHA256)
        if let verdict = recorder.verdict, trainer.step < target {
            try store.finishRun(runID: run.id, status: verdict)
            outcome.status = verdict.rawValue
            return outcome
        }
        guard trainer.step >= target else {
            try store.finishRun(runID: run.id, status: .interrupted)
            if !isJSON {
                Terminal.diagnostic("Interrupted at step \(trainer.step); resume with: nnreg resume \(run.name)")
            }
            if isJSON { try Terminal.printJSON(outcome) }
            throw CLIError("run \(run.name) interrupted at step \(trainer.step)", exitCode: 130, isQuiet: true)
        }
        let network = trainer.network
        let evaluation = network.evaluate(dataset.test)
        do {
            try store.inTransaction {
                _ = try store.addEvaluation(
                    NewEvaluation(evaluation, runID: run.id, step: trainer.step, dataset: dataset.identity, split: "test"))
                try store.finishRun(runID: run.id, status: .finished)
            }
        } catch let error as StoreError {
            throw failure(error, recorder: recorder)
        }
        outcome.status = RunStatus.finished.rawValue
        outcome.testAccuracy = evaluation.accuracy
        outcome.testLoss = evaluation.loss
        return outcome
    }

    /// Ends the run as `failed` after the store refused a write (full disk, lock held too long) and
    /// returns the one line telling the user what happened and how to continue.
    private func failure(_ error: StoreError, recorder: RunRecorder) -> CLIError {
        Terminal.endProgress()
        // The failed transaction was rolled back; this small update usually still fits.
        let isMarked = (try? store.finishRun(runID: run.id, status: .failed)) != nil
        var line = "run \(run.name) failed at step \(trainer.step): \(error)"
        if let step = recorder.lastCheckpointStep { line += " Its last good checkpoint is \(run.name)@\(step);" }
        line += " continue with 'nnreg resume \(run.name)'"
        if !isMarked { line += " (the run shows as crashed until then)" }
        return CLIError(line)
    }
}

extension NewEvaluation {
    /// A store record of a trainer evaluation, with per-class figures and the confusion matrix as JSON.
    init(_ evaluation: NetworkEvaluation, runID: Int64, step: Int, dataset: DatasetIdentity, split: String) {
        struct PerClass: Encodable { let label: Int; let precision: Double; let recall: Double; let support: Int }
        let perClass = evaluation.recall.indices.map {
            PerClass(label: $0, precision: evaluation.precision[$0], recall: evaluation.recall[$0],
                     support: evaluation.confusion[$0].reduce(0, +))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        self.init(
            runID: runID, step: step, datasetName: dataset.name, datasetSHA256: dataset.sha256, split: split,
            accuracy: evaluation.accuracy, loss: evaluation.loss,
            perClassJSON: String(decoding: (try? encoder.encode(perClass)) ?? Data("[]".utf8), as: UTF8.self),
            confusionJSON: String(decoding: (try? encoder.encode(evaluation.confusion)) ?? Data("[]".utf8), as: UTF8.self))
    }
}
