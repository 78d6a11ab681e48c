import Foundation
import Store
import Sweep

/// A sweep's trials ranked by its metric, its best settings and the command that trains them, and
/// what the search cost and saved: what `sweep show` prints and what `sweep` prints at its end.
struct SweepReport: Encodable {
    struct Trial: Encodable {
        let number: Int
        let runID: Int64?
        let runUID: String?
        let run: String?
        let state: String
        let step: Int
        let value: Double?
        let testAccuracy: Double?
        let resumed: Int
        let params: [String: String]
        enum CodingKeys: String, CodingKey {
            case number, runID = "run_id", runUID = "run_uid", run, state, step, value, testAccuracy = "test_accuracy", resumed, params
        }
    }

    let sweep: String
    let state: String
    let method: String
    let pruning: String
    let metric: String
    let goal: String
    let wallSeconds: Double?
    let trials: [Trial]
    let best: Trial?
    /// `nnreg train …` (or the outside command) that trains the best trial's settings again.
    let bestCommand: [String]?
    let stepsTrained: Int
    /// Steps that trials continued from checkpoints did not train again, and their estimated time.
    let stepsResumedSaved: Int
    let secondsResumedSaved: Double
    /// The mean time a worker took to decide and claim a trial.
    let schedulerMillisecondsPerTrial: Double?
    /// Rows the sweep added beside its runs (trials and judged points).
    let sweepRows: Int

    enum CodingKeys: String, CodingKey {
        case sweep, state, method, pruning, metric, goal, wallSeconds = "wall_seconds", trials, best, bestCommand = "best_command"
        case stepsTrained = "steps_trained", stepsResumedSaved = "steps_resumed_saved", secondsResumedSaved = "seconds_resumed_saved"
        case schedulerMillisecondsPerTrial = "scheduler_ms_per_trial", sweepRows = "sweep_rows"
    }

    init(store: Store, sweep: SweepRecord, spec: SweepSpec, wallSeconds: Double?) throws {
        let records = try store.sweepTrials(sweepID: sweep.id)
        let summaries = Dictionary(
            try store.listRuns(includeDeleted: true, withParams: false, experimentID: sweep.experimentID).map { ($0.id, $0) }) { a, _ in a }
        var trials: [Trial] = []
        var schedulerTimes: [Double] = []
        var savedSeconds = 0.0
        for record in records {
            var run: Run?
            if let id = record.runID { run = try? store.run(id: id) }
            trials.append(Trial(
                number: record.number, runID: record.runID, runUID: run?.uid, run: run?.name, state: record.state, step: record.step,
                value: record.lastValue, testAccuracy: record.runID.flatMap { summaries[$0]?.testAccuracy }, resumed: record.resumed,
                params: record.assignment))
            if let id = record.runID {
                if let time = try store.tags(runID: id)["sweep.scheduler_ms"].flatMap(Double.init) { schedulerTimes.append(time) }
                if record.savedSteps > 0 { savedSeconds += Double(record.savedSteps) * (try Self.secondsPerStep(store: store, runID: id)) }
            }
        }
        let ranked = trials.sorted { Self.ranks($0, before: $1, maximizing: spec.isMaximizing) }
        let best = ranked.first { $0.state == TrialState.finished.rawValue && $0.value != nil }
        self.sweep = sweep.name
        state = sweep.state
        method = spec.method.rawValue
        pruning = spec.pruning.rawValue
        metric = spec.metric
        goal = spec.isMaximizing ? "max" : "min"
        self.wallSeconds = wallSeconds
        self.trials = ranked
        self.best = best
        bestCommand = best.map { best in
            if let command = spec.command(for: best.params) { return command }
            let arguments = spec.trainArguments.filter { $0 != "--predictions" && $0 != "0" } + spec.optionArguments(best.params)
            return ["nnreg", "train"] + arguments
        }
        stepsTrained = records.reduce(0) { $0 + $1.step }  // continuing from a checkpoint trains no step twice
        stepsResumedSaved = records.reduce(0) { $0 + $1.savedSteps }
        secondsResumedSaved = savedSeconds
        schedulerMillisecondsPerTrial = schedulerTimes.isEmpty ? nil : schedulerTimes.reduce(0, +) / Double(schedulerTimes.count)
        sweepRows = records.count + records.reduce(0) { $0 + $1.points.count }
    }

    /// Finished trials first by the metric, then paused ones by how far they got and their metric,
    /// then the rest by number.
    static func ranks(_ a: Trial, before b: Trial, maximizing: Bool) -> Bool {
        func group(_ trial: Trial) -> Int {
            switch trial.state {
            case TrialState.finished.rawValue: trial.value == nil ? 2 : 0
            case TrialState.pruned.rawValue: 1
            default: 3
            }
        }
        if group(a) != group(b) { return group(a) < group(b) }
        if group(a) == 1, a.step != b.step { return a.step > b.step }
        if let x = a.value, let y = b.value, x != y { return maximizing ? x > y : x < y }
        return a.number < b.number
    }

    /// A trial's training speed: seconds per step between display steps, the median.
    static func secondsPerStep(store: Store, runID: Int64) throws -> Double {
        // The median over consecutive display steps: a paused trial's history has gaps of waiting.
        let points = try store.metricHistory(runID: runID, key: "loss")
        let rates = zip(points, points.dropFirst()).compactMap { a, b in
            b.step > a.step ? b.wallTime.timeIntervalSince(a.wallTime) / Double(b.step - a.step) : nil
        }.sorted()
        return rates.isEmpty ? 0 : rates[rates.count / 2]
    }

    /// `sweep:NAME@best` as the uid of the run of the sweep's best finished trial (nil for any other reference).
    static func bestRunReference(_ reference: String, in store: Store) throws -> String? {
        guard reference.hasPrefix("sweep:") else { return nil }
        guard reference.hasSuffix("@best"), reference.count > "sweep:@best".count else {
            throw CLIError("'\(reference)' is not a sweep reference; write sweep:NAME@best")
        }
        let name = String(reference.dropFirst("sweep:".count).dropLast("@best".count))
        let (sweep, spec) = try SweepCommand.load(name, from: store)
        let report = try SweepReport(store: store, sweep: sweep, spec: spec, wallSeconds: nil)
        guard let best = report.best, let uid = best.runUID else {
            throw CLIError("sweep \(name) has no finished trial yet; 'nnreg sweep show \(name)' lists its trials")
        }
        return uid
    }

    static func print(sweepNamed name: String, db: String, asJSON: Bool, wallSeconds: Double?) throws {
        let store = try StoreOpening.openForReading(db)
        let (sweep, spec) = try SweepCommand.load(name, from: store)
        let report = try SweepReport(store: store, sweep: sweep, spec: spec, wallSeconds: wallSeconds)
        if asJSON { try Terminal.printJSON(report) } else { Swift.print(report.rendered(spec: spec)) }
    }

    func rendered(spec: SweepSpec, limit: Int? = nil) -> String {
        let searched = spec.space.parameters.filter { !$0.domain.isFixed }.map(\.name)
        var table = Table([("TRIAL", .right), ("RUN", .right), ("STATE", .left), ("STEP", .right), (metric.uppercased(), .right),
                           ("TEST ACC", .right)] + searched.map { ($0.uppercased(), .left) })
        for trial in trials.prefix(limit ?? trials.count) {
            table.append([String(trial.number), trial.runID.map(String.init) ?? "-", trial.state, String(trial.step),
                          trial.value.map { String(format: "%.4f", $0) } ?? "-", Formatting.accuracy(trial.testAccuracy)]
                         + searched.map { trial.params[$0] ?? "" })
        }
        var lines = ["Sweep \(sweep) (\(state)): \(method), \(trials.count) trials, \(metric) \(goal), pruning \(pruning)", table.rendered(maxWidth: 160)]
        let counts = Dictionary(grouping: trials, by: \.state).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        lines.append("Trials: \(counts). Steps trained: \(stepsTrained); continued from checkpoints: \(trials.filter { $0.resumed > 0 }.count) trials, \(stepsResumedSaved) steps (about \(Formatting.seconds(secondsResumedSaved))) not trained again.")
        if let best, let bestCommand {
            lines.append(String(format: "Best: trial %d (run %@), %@ %.4f, test accuracy %@", best.number, best.runID.map(String.init) ?? "-",
                                metric, best.value ?? .nan, Formatting.accuracy(best.testAccuracy)))
            lines.append("Train it again: " + bestCommand.map(Formatting.shellQuoted).joined(separator: " "))
            lines.append("Register it: nnreg model register MODEL sweep:\(sweep)@best")
        }
        if let wallSeconds { lines.append("Wall time: \(Formatting.seconds(wallSeconds))") }
        return lines.joined(separator: "\n")
    }
}
