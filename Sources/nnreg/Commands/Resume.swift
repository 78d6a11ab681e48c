import ArgumentParser
import Foundation
import Store
import Trainer

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an interrupted or crashed run from its latest checkpoint, bit-exactly; or fork a new run from it.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run (id or name); with --fork, RUN@STEP, MODEL@ALIAS or MODEL:vN picks the checkpoint to start from.")
    var reference: String
    @Option(help: "Train up to this total step count (default: the run's target).") var steps: Int?
    @Flag(help: "Start a new run from the checkpoint, linked to its parent, instead of continuing this one.")
    var fork = false
    @Option(help: "Name of the forked run (with --fork).") var name: String?
    @Option(help: "With --fork: the experiment the new run joins, created on first use (default: the parent's).")
    var experiment: String?
    @Option(help: "Write a checkpoint every N steps (default: the run's setting).") var checkpointEvery: Int?
    @Option(help: "With --fork: start the generator and data order afresh from this seed, keeping the weights (fine-tuning).")
    var seed: UInt64?
    @Option(help: "With --fork: train with this learning rate instead of the parent's.") var learningRate: Float?
    @Option(help: ArgumentHelp("With --fork: continue with this learning-rate schedule (constant, step:N:GAMMA, cosine).", valueName: "schedule"))
    var lrSchedule: String?
    @Option(help: "With --fork: continue with this many warmup steps.") var warmup: Int?
    @Flag(help: "Print one JSON object with the outcome instead of text.") var json = false

    func validate() throws {
        try ReferenceSyntax.validate(reference)
        if let steps, steps <= 0 { throw ValidationError("--steps must be at least 1 (got \(steps)).") }
        if let checkpointEvery, checkpointEvery <= 0 { throw ValidationError("--checkpoint-every must be at least 1.") }
        if name != nil && !fork { throw ValidationError("--name needs --fork: a resumed run keeps its name.") }
        if let name { try Train.validateName(name) }
        if experiment != nil && !fork { throw ValidationError("--experiment needs --fork: a resumed run stays in its experiment.") }
        if let experiment { try ExperimentCommand.validateName(experiment, option: "--experiment") }
        if (seed != nil || learningRate != nil || lrSchedule != nil || warmup != nil) && !fork {
            throw ValidationError("--seed, --learning-rate, --lr-schedule and --warmup need --fork.")
        }
        if let lrSchedule, LearningRateSchedule(lrSchedule) == nil {
            throw ValidationError("--lr-schedule must be constant, step:N:GAMMA (N ≥ 1, GAMMA > 0) or cosine (got '\(lrSchedule)').")
        }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be 0 or more (got \(warmup)).") }
        if let learningRate, !(learningRate.isFinite && learningRate > 0) {
            throw ValidationError("--learning-rate must be a finite number above 0 (got \(learningRate)).")
        }
    }

    func run() throws {
        Interruption.install()
        let store = try StoreOpening.openForReading(global.db)
        let resolved = try store.existingReference(reference)
        if (resolved.step != nil || resolved.modelVersion != nil) && !fork {
            throw CLIError("resume continues a run from its latest checkpoint; to start from \(reference) use --fork")
        }
        let parent = resolved.run
        if !fork { try Self.checkResumable(parent, steps: steps) }
        let params = try store.params(runID: parent.id)
        // A run that died before its first checkpoint starts again from its recorded seed (or its
        // fork point), which gives the same weights bit for bit.
        let start: Checkpoint?
        if !fork, try store.checkpoints(runID: parent.id).isEmpty {
            start = try Self.startOver(parent, store: store)
        } else {
            start = try store.existingCheckpoint(reference).checkpoint
        }
        let dataset = try DatasetLoading.load(global.data)
        if let trained = parent.datasetSHA256, trained != dataset.identity.sha256 {
            throw CLIError("run \(parent.name) was trained on \(parent.datasetName ?? "another dataset") (sha256 \(trained.prefix(12))…), but --data holds \(dataset.identity.name) (\(dataset.identity.sha256.prefix(12))…); pass the same --data")
        }
        let trainer: Trainer
        do {
            trainer = try makeTrainer(start: start, parent: parent, params: params, dataset: dataset)
        } catch let error as CLIError {
            throw error
        } catch {
            let origin = start.map { "checkpoint \(parent.name)@\($0.info.step)" } ?? "run \(parent.name)'s recorded params"
            throw CLIError("\(origin) cannot be restored: \(error)")
        }
        let every = checkpointEvery ?? params["checkpoint_every"].flatMap { if case .int(let n) = $0 { Int(n) } else { nil } } ?? 500
        let target = steps ?? max(parent.targetSteps, trainer.hyperparameters.steps)
        // Continuing a run whose last checkpoint is at its target only evaluates and finishes it.
        guard target > trainer.step || (!fork && target == trainer.step && parent.status != .finished) else {
            throw CLIError("run \(parent.name)'s checkpoint is at step \(trainer.step), already at --steps \(target); pass a larger --steps")
        }
        let run: Run
        if fork {
            var forkParams = trainer.hyperparameters.params(checkpointEvery: every)
            forkParams["steps"] = .int(Int64(target))
            var newRun = NewRun(
                name: name, seed: Int64(bitPattern: trainer.hyperparameters.seed), targetSteps: target, datasetName: dataset.identity.name,
                datasetSHA256: dataset.identity.sha256, nnregVersion: NNReg.version, parentRunID: parent.id,
                parentStep: trainer.step, notes: nil, params: forkParams, tags: try store.tags(runID: parent.id))
            run = try store.inTransaction {
                newRun.experimentID = experiment == nil ? parent.experimentID : try store.experimentIDForNewRun(experiment)
                return try store.createRun(newRun)
            }
            try store.updateRun(runID: run.id, stepsDone: trainer.step)
        } else {
            try store.inTransaction {
                try store.claimRun(runID: parent.id)
                try store.updateRun(runID: parent.id, stepsDone: trainer.step, targetSteps: target)
            }
            run = try store.run(id: parent.id)
        }
        if !json {
            let origin = start == nil ? "step 0 (it had no checkpoint; same seed, same weights)" : "step \(trainer.step)"
            let action = fork ? "Forked run \(run.id) \(run.name) from \(parent.name)@\(trainer.step)" : "Resuming run \(run.id) \(run.name) from \(origin)"
            Terminal.diagnostic("\(action) to step \(target)")
        }
        let session = TrainingSession(
            store: store, run: run, trainer: trainer, dataset: dataset, target: target, checkpointEvery: every,
            isJSON: json, lastCheckpointStep: fork ? nil : start?.info.step)
        let outcome = try session.execute()
        if json { try Terminal.printJSON(outcome) } else { print(outcome.humanSummary) }
    }

    /// The trainer a resume or fork continues: the checkpoint's exact state (optimizer state
    /// included), with a fork's new learning rate, schedule or warmup; with --seed, or from a
    /// checkpoint that holds weights only (an imported file), a fresh trainer of those settings that
    /// starts from the checkpoint's weights; without a checkpoint, the run's recorded settings from step 0.
    private func makeTrainer(start: Checkpoint?, parent: Run, params: [String: ParamValue], dataset: Dataset) throws -> Trainer {
        guard let start else {
            return try Trainer(hyperparameters: try Hyperparameters(recorded: params, of: parent), dataset: dataset)
        }
        let isWeightsOnly = start.trainerState.isEmpty
        let schedule = lrSchedule.flatMap(LearningRateSchedule.init)
        if !isWeightsOnly && seed == nil {
            return try Trainer(restoring: [UInt8](start.trainerState), weights: [UInt8](start.weights), dataset: dataset) { h in
                if let learningRate { h.learningRate = learningRate }
                if let schedule { h.schedule = schedule }
                if let warmup { h.warmup = warmup }
                if let steps { h.steps = max(h.steps, steps) }
            }
        }
        let network = try Network(serialized: [UInt8](start.weights))
        var hyperparameters = isWeightsOnly
            ? Hyperparameters()
            : try Trainer.hyperparameters(ofState: [UInt8](start.trainerState), weights: [UInt8](start.weights), dataset: dataset)
        hyperparameters.hidden = network.hidden
        hyperparameters.activation = network.activation
        if let seed { hyperparameters.seed = seed }
        if let learningRate { hyperparameters.learningRate = learningRate }
        if let schedule { hyperparameters.schedule = schedule }
        if let warmup { hyperparameters.warmup = warmup }
        if isWeightsOnly { hyperparameters.steps = start.info.step + (steps ?? hyperparameters.steps) }
        try hyperparameters.validate(trainingCount: dataset.train.count)
        try network.validate(for: dataset.test)
        return try Trainer(hyperparameters: hyperparameters, dataset: dataset, startingFrom: network, step: start.info.step)
    }

    /// Where a run without a checkpoint of its own starts again: its parent's checkpoint at the fork
    /// point, or nil for a fresh trainer built from the recorded params.
    static func startOver(_ run: Run, store: Store) throws -> Checkpoint? {
        guard let parentID = run.parentRunID, let parentStep = run.parentStep else { return nil }
        guard let checkpoint = try store.checkpoint(runID: parentID, step: parentStep) else {
            throw CLIError("run \(run.name) has no checkpoint and its parent's checkpoint at step \(parentStep) is gone; fork again with 'nnreg resume --fork PARENT@STEP'")
        }
        return checkpoint
    }

    /// A run can be continued when its process is gone; a finished one only to a larger --steps.
    static func checkResumable(_ run: Run, steps: Int?) throws {
        switch run.status {
        case .interrupted, .crashed, .failed, .pruned: return
        case .running:
            throw CLIError("run \(run.name) is still running (pid \(run.pid.map(String.init) ?? "?") on \(run.host ?? "?")); stop it first, or use --fork")
        case .finished:
            guard let steps, steps > run.stepsDone else {
                throw CLIError("run \(run.name) is finished at step \(run.stepsDone); pass --steps TOTAL above \(run.stepsDone) to train it further, or use --fork")
            }
        }
    }
}
