import ArgumentParser
import Foundation
import ModelFormats
import RunQuery
import Store
import Trainer

struct ModelRegister: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a checkpoint as the next version of a model (created when new).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The model's name (letters, digits, '.', '_', '-').") var name: String
    @Argument(help: "The checkpoint: RUN (its latest), RUN@STEP, another model's MODEL@ALIAS / MODEL:vN, or sweep:NAME@best.")
    var reference: String
    @Option(help: ArgumentHelp(
        "Register this .safetensors artifact of RUN instead (nnreg track --artifacts): it becomes the run's checkpoint at its last step.",
        valueName: "name"))
    var artifact: String?
    @Option(help: "What this version is.") var description: String?
    @Option(name: .customLong("alias"), help: ArgumentHelp("Point this alias at the new version (repeatable).", valueName: "alias"))
    var aliases: [String] = []
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag KEY=VALUE of the version (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard ReferenceReading.isModelName(name) else { throw ValidationError(StoreError.invalidModelName(name).description) }
        for alias in aliases where !ReferenceReading.isAlias(alias) { throw ValidationError(StoreError.invalidAlias(alias).description) }
        if artifact == nil, !reference.hasPrefix("sweep:") { try ReferenceSyntax.validate(reference) }
        _ = try KeyValueOptions.parse(tags, option: "--tag")
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let reference = try SweepReport.bestRunReference(self.reference, in: store) ?? self.reference
        let picked: (run: Run, step: Int, weights: Data?)
        if let artifact {
            let run = try store.existingRun(reference)
            let weights = try weightsFromArtifact(artifact, of: run, in: store)
            if let existing = try store.checkpoints(runID: run.id).first(where: { $0.step == run.stepsDone }),
               existing.weightsSHA256 != Store.sha256Hex(weights) {
                throw CLIError("run \(run.name) already has other weights at step \(run.stepsDone); register that checkpoint (\(run.name)@\(run.stepsDone)) or import the artifact ('nnreg artifacts \(run.name) --get \(artifact) -o FILE', then 'nnreg import FILE --register \(name)')")
            }
            picked = (run, run.stepsDone, weights)
        } else {
            let checkpoint = try store.existingCheckpoint(reference)
            picked = (checkpoint.run, checkpoint.checkpoint.info.step, nil)
        }
        if let deleted = picked.run.deletedAt {
            throw CLIError("run \(picked.run.name) was deleted (\(Formatting.time(deleted))); 'nnreg restore \(picked.run.id)' first")
        }
        let version: ModelVersion
        do {
            version = try store.inTransaction {
                if let weights = picked.weights {  // the artifact's checkpoint and its version commit together
                    try store.saveCheckpoint(runID: picked.run.id, step: picked.step, weights: weights, trainerState: Data())
                }
                return try store.registerModelVersion(
                    name: name, runID: picked.run.id, step: picked.step, description: description,
                    aliases: aliases, tags: try KeyValueOptions.parse(tags, option: "--tag"))
            }
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(ModelVersionJSON(version)) }
        print("Registered \(version.reference)\(version.aliases.map { " @\($0)" }.joined()): run \(picked.run.id) \(picked.run.name) "
            + "step \(picked.step), weights sha256 \((version.weightsSHA256 ?? "").prefix(16))…, test accuracy \(Formatting.accuracy(version.testAccuracy))")
    }
}

extension ModelRegister {
    /// The run's artifact read as nnreg's network (its tensor names and shapes chaining): the
    /// weights to register as the run's checkpoint at its last step. Nothing is written here.
    func weightsFromArtifact(_ name: String, of run: Run, in store: Store) throws -> Data {
        let data: Data
        do {
            data = try store.artifactData(runID: run.id, name: name)
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        let decoded: (tensors: [Tensor], metadata: [String: String])
        do {
            let file = try Safetensors.decode([UInt8](data))
            decoded = (file.tensors, file.metadata)
        } catch {
            throw CLIError("artifact \(name) of run \(run.name) is not a valid safetensors file: \(error)")
        }
        return Data(try Network(importing: decoded.tensors, file: "artifact \(name)", metadata: decoded.metadata).serialized())
    }
}
