import ArgumentParser
import Foundation
import Store
import Sweep

/// `nnreg sweep stop NAME`: its workers stop their trials at the next display step (each with a
/// checkpoint) and take no more; `sweep resume` continues them.
struct SweepStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a sweep: its workers checkpoint their trials and end.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The sweep.") var name: String

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let (sweep, _) = try SweepCommand.load(name, from: store)
        guard sweep.state == "running" else { throw CLIError("sweep \(name) is \(sweep.state) already") }
        try store.setSweepState(sweepID: sweep.id, state: "stopped")
        print("Sweep \(name) stopped; its workers end at their trials' next display step. Continue with: nnreg sweep resume \(name)")
    }
}

/// `nnreg sweep resume NAME`: continues a stopped (or interrupted, or crashed) sweep here: stopped
/// trials first, from their checkpoints.
struct SweepResume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a stopped sweep: its stopped trials from their checkpoints, then new ones.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The sweep.") var name: String
    @Option(help: "Trials run at once on this machine.") var workers = 1
    @Option(help: "Raise the sweep's trial count to N.") var trials: Int?
    @Flag(help: "Print the outcome as JSON.") var json = false

    func validate() throws {
        guard workers >= 1 && workers <= 64 else { throw ValidationError("--workers must be 1 to 64 (got \(workers)).") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1.") }
    }

    func run() throws {
        Interruption.install()
        let store = try StoreOpening.openForReading(global.db)
        var (sweep, spec) = try SweepCommand.load(name, from: store)
        if let trials, trials != spec.trials {
            spec.trials = trials
            try store.setSweepSpec(sweepID: sweep.id, spec: spec.encoded())
        }
        try store.setSweepState(sweepID: sweep.id, state: "running")
        sweep = try store.existingSweep(named: name)
        let started = Date()
        try SweepWorkers.run(count: workers, sweep: sweep, spec: spec, global: global, isQuiet: json)
        try SweepReport.print(sweepNamed: name, db: global.db, asJSON: json, wallSeconds: Date().timeIntervalSince(started))
    }
}
