import ArgumentParser
import Foundation
import Store

/// `nnreg experiment …`: named groups of runs (Store's `Experiment`). Every run belongs to one; `Default` (id 0) holds the
/// runs made without `--experiment`.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Experiments: named groups of runs (list, create, rename, delete, restore).",
        discussion: """
            A run joins an experiment with --experiment NAME on train, track and resume --fork (created on
            first use); 'nnreg list --experiment NAME' shows its runs. Refer to an experiment by its name or id.
            Deleting one hides it and its runs until it is restored; Default (id 0) cannot be deleted.
            """,
        subcommands: [
            ExperimentList.self, ExperimentCreate.self, ExperimentRename.self, ExperimentDelete.self, ExperimentRestore.self,
        ])

    /// An experiment as `experiment list --json` and the other subcommands' `--json` give it.
    struct Entry: Encodable {
        let id: Int64
        let name: String
        let state: String
        let runs: Int
        let artifactLocation: String
        let tags: [String: String]
        let created: Date
        enum CodingKeys: String, CodingKey { case id, name, state, runs, artifactLocation = "artifact_location", tags, created }

        init(_ experiment: Experiment, runs: Int) {
            id = experiment.id
            name = experiment.name
            state = experiment.isActive ? "active" : "deleted"
            self.runs = runs
            artifactLocation = experiment.artifactLocation
            tags = experiment.tags
            created = experiment.createdAt
        }
    }

    /// The experiment named by `reference` (name or id), as a one-line error when there is none.
    static func existing(_ reference: String, in store: Store) throws -> Experiment {
        do { return try store.experiment(reference: reference) } catch let error as StoreError { throw CLIError(error.description) }
    }

    static func validateName(_ name: String, option: String) throws {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ValidationError("\(option) '\(name)' must be non-empty, without control characters.")
        }
    }
}

extension Store {
    /// The id of the experiment `--experiment NAME` names, created on first use; `Default`'s without
    /// one. Store errors (a deleted experiment) as one line.
    func experimentIDForNewRun(_ name: String?) throws -> Int64 {
        guard let name else { return Store.defaultExperimentID }
        do { return try experimentID(forName: name) } catch let error as StoreError { throw CLIError(error.description) }
    }
}

struct ExperimentList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the experiments and how many runs each holds.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Include deleted experiments.") var all = false
    @Flag(help: "Only deleted experiments.") var deleted = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if all && deleted { throw ValidationError("Choose one of --all and --deleted.") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let counts = try store.shownRunCounts()
        let entries = try store.experiments(lifecycle: all ? .all : deleted ? .deleted : .active)
            .map { ExperimentCommand.Entry($0, runs: counts[$0.id] ?? 0) }
        if json { return try Terminal.printJSON(entries) }
        guard !entries.isEmpty else { return print("No \(deleted ? "deleted " : "")experiments in \(global.shownDB).") }
        var table = Table([("ID", .right), ("NAME", .left), ("STATE", .left), ("RUNS", .right), ("CREATED", .left)])
        for entry in entries {
            table.append([String(entry.id), entry.name, entry.state, String(entry.runs), Formatting.time(entry.created)])
        }
        print(table.rendered())
    }
}

struct ExperimentCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an experiment (the name must be free).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Its name.") var name: String
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag KEY=VALUE (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Option(help: "Where its runs' artifacts live, as MLflow reports it (default: mlflow-artifacts:/ID).")
    var artifactLocation: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        try ExperimentCommand.validateName(name, option: "The name")
        _ = try KeyValueOptions.parse(tags, option: "--tag")
    }

    func run() throws {
        let store = try StoreOpening.open(global.db)
        let created: Experiment
        do {
            created = try store.createExperiment(
                name: name, artifactLocation: artifactLocation, tags: try KeyValueOptions.parse(tags, option: "--tag"))
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(ExperimentCommand.Entry(created, runs: 0)) }
        print("Created experiment \(created.id) \(created.name)")
    }
}

struct ExperimentRename: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename an experiment (the new name must be free).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment: its name or id.") var experiment: String
    @Argument(help: "Its new name.") var newName: String

    func validate() throws {
        try ExperimentCommand.validateName(newName, option: "The new name")
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let found = try ExperimentCommand.existing(experiment, in: store)
        do { try store.renameExperiment(id: found.id, to: newName) } catch let error as StoreError { throw CLIError(error.description) }
        print("Renamed experiment \(found.id) \(found.name) to \(newName)")
    }
}

struct ExperimentDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an experiment: it and its runs are hidden (not removed) until 'nnreg experiment restore'.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment: its name or id.") var experiment: String

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let found = try ExperimentCommand.existing(experiment, in: store)
        do { try store.deleteExperiment(id: found.id) } catch let error as StoreError { throw CLIError(error.description) }
        print("Deleted experiment \(found.id) \(found.name); its runs are hidden with it ('nnreg experiment restore \(found.name)' brings them back)")
    }
}

struct ExperimentRestore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Bring back a deleted experiment and its runs.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment: its name or id.") var experiment: String

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let found = try ExperimentCommand.existing(experiment, in: store)
        do { try store.restoreExperiment(id: found.id) } catch let error as StoreError { throw CLIError(error.description) }
        print("Restored experiment \(found.id) \(found.name)")
    }
}
