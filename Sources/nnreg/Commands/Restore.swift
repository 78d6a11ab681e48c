import ArgumentParser
import Store

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring soft-deleted runs back into 'list'.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Runs, by id or name.") var runs: [String]
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("Name at least one run.") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let found = try runs.map { try store.existingRun($0) }
        try store.restoreRuns(ids: found.map(\.id))
        if json { return try Terminal.printJSON(found.map(\.id)) }
        for run in found { print("Restored run \(run.id) \(run.name)") }
    }
}
