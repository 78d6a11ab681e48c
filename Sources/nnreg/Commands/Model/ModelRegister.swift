import ArgumentParser
import Foundation
import RunQuery
import Store

struct ModelRegister: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a checkpoint as the next version of a model (created when new).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The model's name (letters, digits, '.', '_', '-').") var name: String
    @Argument(help: "The checkpoint: RUN (its latest), RUN@STEP, or another model's MODEL@ALIAS / MODEL:vN.")
    var reference: String
    @Option(help: "What this version is.") var description: String?
    @Option(name: .customLong("alias"), help: ArgumentHelp("Point this alias at the new version (repeatable).", valueName: "alias"))
    var aliases: [String] = []
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag KEY=VALUE of the version (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard ReferenceReading.isModelName(name) else { throw ValidationError(StoreError.invalidModelName(name).description) }
        for alias in aliases where !ReferenceReading.isAlias(alias) { throw ValidationError(StoreError.invalidAlias(alias).description) }
        try ReferenceSyntax.validate(reference)
        _ = try KeyValueOptions.parse(tags, option: "--tag")
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let picked = try store.existingCheckpoint(reference)
        if let deleted = picked.run.deletedAt {
            throw CLIError("run \(picked.run.name) was deleted (\(Formatting.time(deleted))); 'nnreg restore \(picked.run.id)' first")
        }
        let version: ModelVersion
        do {
            version = try store.registerModelVersion(
                name: name, runID: picked.run.id, step: picked.checkpoint.info.step, description: description,
                aliases: aliases, tags: try KeyValueOptions.parse(tags, option: "--tag"))
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(ModelVersionJSON(version)) }
        print("Registered \(version.reference)\(version.aliases.map { " @\($0)" }.joined()): run \(picked.run.id) \(picked.run.name) "
            + "step \(version.step), weights sha256 \(version.weightsSHA256.prefix(16))…, test accuracy \(Formatting.accuracy(version.testAccuracy))")
    }
}
