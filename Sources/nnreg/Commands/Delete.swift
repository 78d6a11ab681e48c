import ArgumentParser
import Store

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Soft-delete runs: hidden from 'list' (see them with --deleted) until 'restore'; 'gc' purges them.",
        discussion: "A run that a model version was made from cannot be deleted; delete the version first.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Runs, by id or name.") var runs: [String]
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("Name at least one run.") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let found = try runs.map { try store.existingRun($0) }
        if let running = found.first(where: { $0.status == .running }) {
            throw CLIError("run \(running.name) is still running; stop it before deleting it")
        }
        do { try store.deleteRuns(ids: found.map(\.id)) } catch let error as StoreError { throw CLIError(error.description) }
        if json { return try Terminal.printJSON(found.map(\.id)) }
        for run in found { print("Deleted run \(run.id) \(run.name) (restore with 'nnreg restore \(run.id)'; 'nnreg gc' purges it)") }
    }
}
