import ArgumentParser
import RunQuery
import Store

struct ModelResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Say exactly which checkpoint a reference names, and verify its weights against their SHA-256.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "MODEL@ALIAS, MODEL:vN, models:/…, RUN or RUN@STEP.") var reference: String
    @Flag(help: "Print JSON.") var json = false

    struct Outcome: Encodable {
        let reference: String
        let model: String?
        let version: Int?
        let runID: Int64
        let run: String
        let step: Int
        let weightsSHA256: String
        let weightsBytes: Int
        let verified: Bool
        enum CodingKeys: String, CodingKey {
            case reference, model, version, runID = "run_id", run, step, weightsSHA256 = "weights_sha256"
            case weightsBytes = "weights_bytes", verified
        }
    }

    func validate() throws { try ReferenceSyntax.validate(reference) }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        // Loading the checkpoint re-hashes both blobs; a mismatch is a one-line error naming run and step.
        let picked = try store.existingCheckpoint(reference)
        let outcome = Outcome(
            reference: reference, model: picked.modelVersion?.modelName, version: picked.modelVersion?.version,
            runID: picked.run.id, run: picked.run.name, step: picked.checkpoint.info.step,
            weightsSHA256: picked.checkpoint.info.weightsSHA256, weightsBytes: picked.checkpoint.weights.count, verified: true)
        if json { return try Terminal.printJSON(outcome) }
        print("\(reference) → \(picked.label): run \(outcome.runID) \(outcome.run) step \(outcome.step), "
            + "weights sha256 \(outcome.weightsSHA256) (\(Formatting.bytes(outcome.weightsBytes)), verified)")
    }
}
