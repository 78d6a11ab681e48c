import ArgumentParser
import Foundation
import Store
import Sweep

/// `nnreg sweep show NAME`: its trials ranked by the metric, the best settings, the command that reproduces them.
struct SweepShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A sweep's trials ranked by its metric, its best settings and how to train them again.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The sweep.") var name: String
    @Option(help: "Show the best N trials only.") var limit: Int?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let (sweep, spec) = try SweepCommand.load(name, from: store)
        let report = try SweepReport(store: store, sweep: sweep, spec: spec, wallSeconds: nil)
        if json { try Terminal.printJSON(report) } else { print(report.rendered(spec: spec, limit: limit)) }
    }
}

/// `nnreg sweep list`: every sweep, its state, progress and best value.
struct SweepList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every sweep: state, trials, best value.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    struct Entry: Encodable {
        let name: String
        let state: String
        let method: String
        let metric: String
        let trials: Int
        let trialLimit: Int
        let finished: Int
        let pruned: Int
        let best: Double?
        let created: Date
        enum CodingKeys: String, CodingKey { case name, state, method, metric, trials, trialLimit = "trial_limit", finished, pruned, best, created }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        var entries: [Entry] = []
        for sweep in try store.sweeps() {
            guard let spec = try? SweepSpec.decode(sweep.spec) else { continue }
            let trials = try store.sweepTrials(sweepID: sweep.id)
            let finishedValues = trials.filter { $0.state == TrialState.finished.rawValue }.compactMap(\.lastValue)
            entries.append(Entry(
                name: sweep.name, state: sweep.state, method: spec.method.rawValue, metric: spec.metric, trials: trials.count,
                trialLimit: (try? spec.scheduler().trialLimit) ?? spec.trials,
                finished: trials.count { $0.state == TrialState.finished.rawValue },
                pruned: trials.count { $0.state == TrialState.pruned.rawValue },
                best: spec.isMaximizing ? finishedValues.max() : finishedValues.min(), created: sweep.createdAt))
        }
        if json { return try Terminal.printJSON(entries) }
        var table = Table([("NAME", .left), ("STATE", .left), ("METHOD", .left), ("TRIALS", .right), ("FINISHED", .right),
                           ("PRUNED", .right), ("METRIC", .left), ("BEST", .right), ("CREATED", .left)])
        for entry in entries {
            table.append([entry.name, entry.state, entry.method, "\(entry.trials)/\(entry.trialLimit)", String(entry.finished),
                          String(entry.pruned), entry.metric, entry.best.map { String(format: "%.4f", $0) } ?? "-", Formatting.time(entry.created)])
        }
        print(entries.isEmpty ? "No sweeps yet. Start one with: nnreg sweep NAME --param learning-rate=log:1e-4..1e-1" : table.rendered())
    }
}
