import ArgumentParser
import Foundation
import Store
import Sweep

/// `nnreg sweep NAME --param …`: defines a sweep, runs its workers, prints its trials.
struct SweepStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a sweep (the default: 'nnreg sweep NAME --param …'), or join one with --join.",
        discussion: """
            --param NAME=VALUES searches any 'nnreg train' option (lr stands for learning-rate): a list a,b,c,
            a range LOW..HIGH, log:LOW..HIGH, int:LOW..HIGH or intlog:LOW..HIGH; a single value fixes it.
            After --, an outside program is swept instead, with {NAME} replaced by each trial's value; its
            metrics are read from its output as 'nnreg track' reads them, and a pruned trial is stopped.
            --spec FILE reads the same options from a file, one per line ('param lr=log:1e-4..1', 'method tpe';
            options given on the command line win).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The sweep's name (also its experiment's).") var name: String
    @Option(name: .customLong("param"), help: ArgumentHelp("A searched option NAME=VALUES (repeatable).", valueName: "name=values"))
    var params: [String] = []
    @Option(name: .customLong("spec"), help: ArgumentHelp("Read options from FILE, one per line.", valueName: "file"))
    var specFile: String?
    @Option(help: "grid, random or tpe (default tpe).") var method: String?
    @Option(help: "Trials to run (default 20; grid: every combination).") var trials: Int?
    @Option(help: "The metric judged (default val_accuracy; never the test set).") var metric: String?
    @Option(help: "max or min (default: min for a loss or error, else max).") var goal: String?
    @Option(help: "Early stopping: asha, halving, median or none (default asha).") var prune: String?
    @Option(help: "ASHA's reduction factor η (default 3).") var eta: Int?
    @Option(help: "ASHA's first rung in steps (default: steps/η³).") var minSteps: Int?
    @Option(help: "A trial's whole budget in steps (default 3000).") var steps: Int?
    @Option(help: "Record and judge every N steps (default 100).") var displayStep: Int?
    @Option(help: "Training examples held out for the val_ metrics (default 5000).") var validation: Int?
    @Option(help: "Checkpoint every N steps besides the rungs (default 500).") var checkpointEvery: Int?
    @Option(help: "The samplers' seed (default 1).") var seed: UInt64?
    @Option(help: "Values per range for --method grid.") var gridPoints: Int?
    @Option(help: "Trials run at once on this machine.") var workers = 1
    @Flag(help: "Take trials from an existing sweep (on this or another host) until none is left.") var join = false
    @Flag(help: "Print the outcome as JSON.") var json = false
    @Flag(help: .hidden) var sharesCores = false
    @Argument(parsing: .postTerminator, help: "An outside program to sweep, with {NAME} placeholders.") var command: [String] = []

    func validate() throws {
        guard !name.isEmpty, !SweepCommand.reservedNames.contains(name), !name.hasPrefix("-") else {
            throw ValidationError("'\(name)' cannot name a sweep (show, list, stop, resume, start and help are commands).")
        }
        try ExperimentCommand.validateName(name, option: "NAME")
        guard workers >= 1 && workers <= 64 else { throw ValidationError("--workers must be 1 to 64 (got \(workers)).") }
        if join, !params.isEmpty || specFile != nil || method != nil || trials != nil || !command.isEmpty {
            throw ValidationError("--join takes the sweep as it was started; give no --param, --spec, --method, --trials or command.")
        }
    }

    func run() throws {
        Interruption.install()
        if join {
            let store = try StoreOpening.open(global.db)
            let (sweep, spec) = try SweepCommand.load(name, from: store)
            var worker = SweepWorker(store: store, db: global.db, sweep: sweep, spec: spec, dataPath: global.data, isQuiet: json)
            worker.sharesCores = sharesCores
            try worker.run()
            return
        }
        let spec = try resolvedSpec()
        let store = try StoreOpening.open(global.db)
        let sweep: SweepRecord
        do { sweep = try store.createSweep(name: name, spec: spec.encoded()) } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if !json {
            let size = spec.method == .grid ? "\((try? spec.scheduler().trialLimit) ?? spec.trials) trials" : "\(spec.trials) trials"
            Terminal.diagnostic("Sweep \(name): \(spec.method.rawValue), \(size), \(spec.metric) (\(spec.isMaximizing ? "max" : "min")), pruning \(spec.pruning.rawValue), \(workers) worker\(workers == 1 ? "" : "s") into \(global.shownDB)")
        }
        let started = Date()
        try SweepWorkers.run(count: workers, sweep: sweep, spec: spec, global: global, isQuiet: json)
        try SweepReport.print(sweepNamed: name, db: global.db, asJSON: json, wallSeconds: Date().timeIntervalSince(started))
    }

    /// The specification from the options, over those of --spec FILE; checked against `nnreg train`.
    func resolvedSpec() throws -> SweepSpec {
        let file = try specFile.map(Self.readSpecFile)
        let params = (file?.params ?? []) + params
        guard !params.isEmpty else { throw CLIError("a sweep needs at least one --param NAME=VALUES (or a --spec file that has them)") }
        let space: SearchSpace
        do { space = try SearchSpace(parsing: params) } catch { throw CLIError("\(error)") }
        guard let method = SearchMethod(rawValue: method ?? file?.method ?? "tpe") else {
            throw CLIError("--method must be grid, random or tpe (got '\(self.method ?? file?.method ?? "")')")
        }
        guard let pruning = PruningMethod(rawValue: prune ?? file?.prune ?? "asha") else {
            throw CLIError("--prune must be asha, halving, median or none (got '\(prune ?? file?.prune ?? "")')")
        }
        let metric = metric ?? file?.metric ?? "val_accuracy"
        let goal = goal ?? file?.goal ?? (metric.contains("loss") || metric.contains("error") ? "min" : "max")
        guard goal == "max" || goal == "min" else { throw CLIError("--goal must be max or min (got '\(goal)')") }
        let command = command.isEmpty ? (file?.command ?? []) : command
        let steps = steps ?? file?.steps ?? 3000
        let displayStep = displayStep ?? file?.displayStep ?? 100
        let validation = validation ?? file?.validation ?? 5000
        let checkpointEvery = checkpointEvery ?? file?.checkpointEvery ?? 500
        for (option, value) in [("--steps", steps), ("--display-step", displayStep), ("--checkpoint-every", checkpointEvery)] where value < 1 {
            throw CLIError("\(option) must be at least 1 (got \(value))")
        }
        guard command.isEmpty ? steps % displayStep == 0 : true else {
            throw CLIError("--steps \(steps) must be a multiple of --display-step \(displayStep): a trial is judged at its display steps")
        }
        let eta = eta ?? file?.eta ?? 3
        guard eta >= 2 else { throw CLIError("--eta must be at least 2 (got \(eta))") }
        let trials = trials ?? file?.trials ?? 20
        guard trials >= 1 else { throw CLIError("--trials must be at least 1 (got \(trials))") }
        let trainArguments = command.isEmpty ? [
            "--steps", String(steps), "--display-step", String(displayStep), "--validation", String(validation),
            "--checkpoint-every", String(checkpointEvery), "--predictions", "0",
        ] : []
        let spec = SweepSpec(
            space: space, method: method, trials: trials, metric: metric, isMaximizing: goal == "max", pruning: pruning, eta: eta,
            minSteps: minSteps ?? file?.minSteps, steps: steps, displayStep: displayStep, seed: seed ?? file?.seed ?? 1,
            gridPoints: gridPoints ?? file?.gridPoints, trainArguments: trainArguments, command: command.isEmpty ? nil : command)
        do { _ = try spec.scheduler() } catch { throw CLIError("\(error)") }
        if command.isEmpty { try TrialSettings.check(spec) }
        return spec
    }

    /// Options of a spec file: `OPTION VALUE` per line (`#` starts a comment; `-- PROGRAM ARGS` the command).
    static func readSpecFile(_ path: String) throws -> SweepStart {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("cannot read --spec \(path); pass a readable text file")
        }
        var arguments = ["spec"]
        var command: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if words[0] == "--" || words[0] == "command" {
                command = Array(words.dropFirst())
                continue
            }
            let option = words[0].hasPrefix("--") ? words[0] : "--" + words[0]
            guard ["--param", "--method", "--trials", "--metric", "--goal", "--prune", "--eta", "--min-steps", "--steps",
                   "--display-step", "--validation", "--checkpoint-every", "--seed", "--grid-points"].contains(option) else {
                throw CLIError("--spec \(path) line \(index + 1): unknown option '\(words[0])'")
            }
            guard words.count == 2 else { throw CLIError("--spec \(path) line \(index + 1): write '\(words[0]) VALUE' with one value") }
            arguments += [option, words[1]]
        }
        do {
            var parsed = try SweepStart.parse(arguments)
            parsed.command = command
            return parsed
        } catch {
            throw CLIError("--spec \(path): \(SweepStart.message(for: error))")
        }
    }
}
