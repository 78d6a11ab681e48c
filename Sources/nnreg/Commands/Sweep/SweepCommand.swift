import ArgumentParser
import Foundation
import Store
import Sweep

/// `nnreg sweep …`: hyperparameter search over `nnreg train`'s options (or an outside program's),
/// with early stopping that keeps its work, on one machine or many.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Search hyperparameters: grid, random or TPE, pruned by ASHA or the median rule, on several workers.",
        discussion: """
            A sweep is an experiment of its name; each trial is a run in it with its params and a 'sweep' tag.
            'nnreg sweep NAME --param …' starts one; 'show', 'list', 'stop' and 'resume' follow it.
            """,
        subcommands: [SweepStart.self, SweepShow.self, SweepList.self, SweepStop.self, SweepResume.self],
        defaultSubcommand: SweepStart.self)

    /// Names the subcommands take, which a sweep cannot be called.
    static let reservedNames: Set<String> = ["show", "list", "stop", "resume", "start", "help"]

    /// The sweep with this name and its specification, as one-line errors.
    static func load(_ name: String, from store: Store) throws -> (SweepRecord, SweepSpec) {
        let sweep: SweepRecord
        do { sweep = try store.existingSweep(named: name) } catch let error as StoreError { throw CLIError(error.description) }
        do {
            return (sweep, try SweepSpec.decode(sweep.spec))
        } catch {
            throw CLIError("sweep \(name)'s specification cannot be read by this nnreg (\(error)); use the nnreg that started it")
        }
    }
}
