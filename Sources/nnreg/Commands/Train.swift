import ArgumentParser
import Foundation
import Store
import Trainer

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the network and record the run: params, every display step, checkpoints, test evaluation.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Training steps (updates).") var steps = 3000
    @Option(help: "Examples per batch.") var batchSize = 256
    @Option(help: "Learning rate (the peak of a schedule).") var learningRate: Float = 0.001
    @Option(help: "Record loss and accuracy every N steps.") var displayStep = 100
    @OptionGroup var network: TrainingOptions
    @Option(help: "Elements in the shuffle buffer.") var shuffleBuffer = 5000
    @Option(help: "Seed of the one random generator (weights and shuffling).") var seed: UInt64 = 1
    @Option(help: "A name for the run (default: generated; names may repeat, uids do not).") var name: String?
    @Option(help: "The experiment the run joins, created on first use (default: Default).") var experiment: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag KEY=VALUE (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Option(help: "Free text stored with the run.") var notes: String?
    @Option(help: "Write a checkpoint every N steps (and always at the end).") var checkpointEvery = 500
    @Option(help: "Test predictions to draw at the end, as the seed does.") var predictions = 5
    @Flag(help: "Print one JSON object with the outcome instead of text.") var json = false

    func hyperparameters() throws -> Hyperparameters {
        var hyperparameters = Hyperparameters()
        hyperparameters.steps = steps
        hyperparameters.batchSize = batchSize
        hyperparameters.learningRate = learningRate
        hyperparameters.displayStep = displayStep
        hyperparameters.shuffleBufferSize = shuffleBuffer
        hyperparameters.seed = seed
        try network.apply(to: &hyperparameters)
        return hyperparameters
    }

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be at least 1 (got \(steps)).") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize)).") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be a finite number above 0 (got \(learningRate)).")
        }
        guard displayStep > 0 else { throw ValidationError("--display-step must be at least 1 (got \(displayStep)).") }
        guard shuffleBuffer > 0 else { throw ValidationError("--shuffle-buffer must be at least 1.") }
        guard checkpointEvery > 0 else {
            throw ValidationError("--checkpoint-every must be at least 1 (got \(checkpointEvery)).")
        }
        guard predictions >= 0 else { throw ValidationError("--predictions must be 0 or more.") }
        _ = try parsedTags()
        if let name { try Self.validateName(name) }
        if let experiment { try ExperimentCommand.validateName(experiment, option: "--experiment") }
    }

    static func validateName(_ name: String) throws {
        guard !name.isEmpty, Int(name) == nil, !name.contains("@"), !name.contains(":"), !name.contains(where: \.isWhitespace) else {
            throw ValidationError("--name '\(name)' must be non-empty, not a number, without '@', ':' or spaces.")
        }
    }

    func parsedTags() throws -> [String: String] {
        try KeyValueOptions.parse(tags, option: "--tag")
    }

    func run() throws {
        // From here on SIGINT/SIGTERM never kill the process mid-write: the run ends `interrupted`.
        Interruption.install()
        let dataset = try DatasetLoading.load(global.data)
        let hyperparameters = try hyperparameters()
        do {
            try hyperparameters.validate(trainingCount: dataset.train.count)
        } catch {
            throw CLIError("\(error)")
        }
        let trainer: Trainer
        do {
            trainer = try Trainer(hyperparameters: hyperparameters, dataset: dataset)
        } catch let error as TrainerError {
            throw CLIError("\(error)")
        }
        let store = try StoreOpening.open(global.db)
        if Interruption.isRequested {
            throw CLIError("interrupted before the run was created; nothing was recorded", exitCode: 130)
        }
        var newRun = NewRun(
            name: name, seed: Int64(bitPattern: seed), targetSteps: steps,
            datasetName: dataset.identity.name, datasetSHA256: dataset.identity.sha256,
            nnregVersion: NNReg.version, notes: notes,
            params: hyperparameters.params(checkpointEvery: checkpointEvery), tags: try parsedTags())
        // The experiment is created with the run or not at all.
        let run = try store.inTransaction {
            newRun.experimentID = try store.experimentIDForNewRun(experiment)
            return try store.createRun(newRun)
        }
        if !json { Terminal.diagnostic("Run \(run.id) \(run.name): \(steps) steps on \(dataset.identity.name) into \(global.shownDB)") }
        let session = TrainingSession(
            store: store, run: run, trainer: trainer, dataset: dataset, target: steps,
            checkpointEvery: checkpointEvery, isJSON: json)
        let outcome = try session.execute()
        if json {
            try Terminal.printJSON(outcome)
        } else {
            print(outcome.humanSummary)
            if predictions > 0 {
                let count = min(predictions, dataset.test.count)
                print(PredictionRendering.render(trainer.network.predict(dataset.test, indices: Array(0..<count)), split: dataset.test))
            }
        }
    }
}

extension Hyperparameters {
    /// The run's params as recorded: every hyperparameter, with decimal values as typed by a person.
    func params(checkpointEvery: Int) -> [String: ParamValue] {
        func decimal(_ value: Float) -> ParamValue { .real(Double("\(value)") ?? Double(value)) }
        var params: [String: ParamValue] = [
            "steps": .int(Int64(steps)), "batch_size": .int(Int64(batchSize)),
            "learning_rate": decimal(learningRate), "display_step": .int(Int64(displayStep)),
            "hidden": .text(hidden.map(String.init).joined(separator: ",")), "activation": .text(activation.rawValue),
            "seed": .int(Int64(bitPattern: seed)), "shuffle_buffer": .int(Int64(shuffleBufferSize)),
            "init": .text(initialization.description), "optimizer": .text(optimizer.rawValue),
            "lr_schedule": .text(schedule.description), "warmup": .int(Int64(warmup)), "loss": .text(loss.rawValue),
            "weight_decay": decimal(weightDecay), "validation": .int(Int64(validation)), "normalize": .int(normalize ? 1 : 0),
            "checkpoint_every": .int(Int64(checkpointEvery)),
        ]
        // The width of each hidden layer on its own too, so --where can compare them (hidden1 > 100).
        for (index, width) in hidden.enumerated() { params["hidden\(index + 1)"] = .int(Int64(width)) }
        if case .normal(let stddev) = initialization { params["init_stddev"] = decimal(stddev) }
        switch optimizer {
        case .momentum, .nesterov: params["momentum"] = decimal(momentum)
        case .adam, .adamw:
            params["beta1"] = decimal(beta1)
            params["beta2"] = decimal(beta2)
            params["epsilon"] = decimal(epsilon)
        case .sgd: break
        }
        return params
    }
}

extension TrainingSession.Outcome {
    var humanSummary: String {
        var lines = [String(format: "Test Accuracy: %@", Formatting.accuracy(testAccuracy))]
        lines.append("Run \(runID) \(name) \(status): \(steps)/\(targetSteps) steps in \(Formatting.seconds(seconds))"
            + String(format: " (%.0f steps/s)", stepsPerSecond))
        if let checkpointSHA256 { lines.append("Final checkpoint \(name)@\(steps) sha256 \(checkpointSHA256)") }
        return lines.joined(separator: "\n")
    }
}
