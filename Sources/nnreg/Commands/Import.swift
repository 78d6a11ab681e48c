import ArgumentParser
import Crypto
import Foundation
import ModelFormats
import Store
import Trainer

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring in weights made elsewhere (safetensors) as a run with one checkpoint: evaluate, compare, register, fine-tune.",
        discussion: """
            The file must hold nnreg's tensor names (see 'nnreg export --help'); the hidden sizes are read from
            the shapes. A malformed file is refused with one line and the store is left unchanged.
            Fine-tune with: nnreg resume --fork RUN --seed S --steps N
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A .safetensors file.") var file: String
    @Option(help: "The run's name (default: generated).") var name: String?
    @Option(help: "Also register the weights as the next version of this model.") var register: String?
    @Option(name: .customLong("alias"), help: ArgumentHelp("With --register: aliases for the version (repeatable).", valueName: "alias"))
    var aliases: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let name { try Train.validateName(name) }
        if let register, !ReferenceReading.isModelName(register) { throw ValidationError(StoreError.invalidModelName(register).description) }
        if !aliases.isEmpty && register == nil { throw ValidationError("--alias needs --register.") }
        for alias in aliases where !ReferenceReading.isAlias(alias) { throw ValidationError(StoreError.invalidAlias(alias).description) }
    }

    struct Outcome: Encodable {
        let runID: Int64
        let name: String
        let weightsSHA256: String
        let shape: [Int]
        let model: String?
        enum CodingKeys: String, CodingKey { case runID = "run_id", name, weightsSHA256 = "weights_sha256", shape, model }
    }

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw CLIError("cannot read '\(file)': \(error.localizedDescription)")
        }
        let decoded: (tensors: [Tensor], metadata: [String: String])
        do {
            decoded = try Safetensors.decode(bytes)
        } catch {
            throw CLIError("\(file) is not a valid safetensors file: \(error)")
        }
        let network = try Network(importing: decoded.tensors, file: file, metadata: decoded.metadata)
        let fileSHA256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let store = try StoreOpening.open(global.db)
        var tags = ["source": "import", "import.file": (file as NSString).lastPathComponent, "import.sha256": fileSHA256]
        for (key, value) in decoded.metadata { tags["import.meta.\(key)"] = value }
        let params: [String: ParamValue] = [
            "inputs": .int(Int64(network.inputs)), "hidden": .text(network.hidden.map(String.init).joined(separator: ",")),
            "activation": .text(network.activation.rawValue), "classes": .int(Int64(network.classes)),
        ]
        let outcome: Outcome
        do {
            outcome = try store.inTransaction {
                let run = try store.createRun(NewRun(
                    name: name, targetSteps: 0, datasetName: decoded.metadata["dataset"],
                    datasetSHA256: decoded.metadata["dataset_sha256"], nnregVersion: NNReg.version,
                    notes: "imported from \(file)", params: params, tags: tags))
                let checkpoint = try store.saveCheckpoint(runID: run.id, step: 0, weights: Data(network.serialized()), trainerState: Data())
                try store.finishRun(runID: run.id, status: .finished)
                let version = try register.map {
                    try store.registerModelVersion(name: $0, runID: run.id, step: 0, description: "imported from \((file as NSString).lastPathComponent)", aliases: aliases)
                }
                return Outcome(runID: run.id, name: run.name, weightsSHA256: checkpoint.weightsSHA256,
                               shape: [network.inputs] + network.hidden + [network.classes], model: version?.reference)
            }
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(outcome) }
        print("Imported \(file) as run \(outcome.runID) \(outcome.name): \(outcome.shape.map(String.init).joined(separator: "-")), "
            + "weights sha256 \(outcome.weightsSHA256.prefix(16))…" + (outcome.model.map { ", registered as \($0)" } ?? ""))
    }
}
