import ArgumentParser
import RunQuery
import Store

struct ModelDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a version (NAME:vN) or a whole model (NAME); refused while an alias points at it, unless --force.",
        discussion: "The checkpoints stay with their runs; 'nnreg gc' can then remove those no longer needed. The history keeps every change.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "NAME:vN for one version, NAME for the model and all its versions.") var target: String
    @Flag(help: "Also remove the aliases that point at what is deleted.") var force = false
    @Flag(help: "Print JSON.") var json = false

    struct Outcome: Encodable { let model: String; let version: Int?; let deleted: Bool }

    var parsed: (model: String, version: Int?)? {
        if let colon = target.lastIndex(of: ":") {
            let tail = target[target.index(after: colon)...]
            guard tail.first == "v", let number = Int(tail.dropFirst()), number >= 1 else { return nil }
            return (String(target[..<colon]), number)
        }
        return (target, nil)
    }

    func validate() throws {
        guard let parsed, ReferenceReading.isModelName(parsed.model) else {
            throw ValidationError("'\(target)' is not NAME or NAME:vN, e.g. mnist-mlp:v2.")
        }
    }

    func run() throws {
        let (model, version) = parsed!
        let store = try StoreOpening.openForReading(global.db)
        do {
            if let version {
                try store.deleteModelVersion(name: model, version: version, force: force)
            } else {
                try store.deleteModel(name: model, force: force)
            }
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(Outcome(model: model, version: version, deleted: true)) }
        print(version.map { "Deleted \(model):v\($0)" } ?? "Deleted model \(model) and its versions")
    }
}
