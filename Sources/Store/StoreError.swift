import Foundation

/// Errors of the registry itself. Each description says what happened and what to do next.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// No run has this id or name.
    case runNotFound(String)
    /// The store has migrations this nnreg does not know: it was written by a newer nnreg.
    case databaseIsNewer(path: String, unknownMigrations: [String])
    /// A stored blob does not match the SHA-256 recorded when it was written.
    case corruptCheckpoint(runID: Int64, step: Int)
    /// The file exists but is not an SQLite database.
    case notADatabase(path: String)
    /// The path names a directory.
    case isDirectory(path: String)
    /// The file exists but cannot be read.
    case notReadable(path: String)
    /// The file (or, for a new store, its folder) cannot be written.
    case readOnly(path: String)
    /// A new store cannot be created at this path.
    case cannotCreate(path: String, reason: String)
    /// SQLite refused to switch the store to write-ahead logging.
    case walUnavailable(path: String, journalMode: String)
    /// A run name that cannot be used (empty, or only digits, which would read as an id).
    case invalidRunName(String)
    /// Another run already has this name.
    case duplicateRunName(String)
    /// A name (or uid prefix) that means several runs: each as `UID (started TIME)`.
    case ambiguousRunName(String, runs: [String])
    /// A tag that is not set.
    case tagNotFound(key: String)
    case experimentNotFound(String)
    /// No sweep has this name.
    case sweepNotFound(String)
    /// A sweep, or an experiment that is not one, already has this name.
    case duplicateSweepName(String)
    case duplicateExperimentName(String)
    case invalidExperimentName(String)
    case experimentIsDeleted(String)
    /// A search whose condition cannot be answered.
    case invalidSearch(String)
    case defaultExperimentIsPermanent
    /// The run has no checkpoint at this step.
    case checkpointNotFound(runID: Int64, step: Int)
    /// Another process held the store's write lock longer than the busy timeout.
    case busy(path: String, seconds: Double)
    /// The disk (or file system) holding the store is full; the write that hit it was rolled back.
    case diskFull(path: String)
    /// No model has this name.
    case modelNotFound(String)
    /// The model has no such version; `existing` lists those it has.
    case modelVersionNotFound(model: String, version: Int, existing: [Int])
    /// The model has no such alias; `existing` maps its aliases to versions.
    case aliasNotFound(model: String, alias: String, existing: [String: Int])
    /// A model name that cannot be used.
    case invalidModelName(String)
    /// Another model has this name.
    case duplicateModelName(String)
    /// A model version made through the MLflow API from files, where an nnreg checkpoint is needed.
    case versionIsNotACheckpoint(reference: String, source: String)
    /// No MLflow logged model has this id.
    case loggedModelNotFound(String)
    /// An alias that cannot be used.
    case invalidAlias(String)
    /// Deleting a version (or model) that aliases still point at needs `force`.
    case versionHasAliases(model: String, version: Int, aliases: [String])
    /// A run whose checkpoints model versions use cannot be deleted.
    case runUsedByModels(run: String, versions: [String])
    /// The reference names different things under different readings.
    case ambiguousReference(String, readings: [String])
    /// A read-only open found no store at the path.
    case noStore(path: String)
    /// A read-only open found a store an older nnreg wrote; it must be upgraded by a writing command first.
    case needsUpgrade(path: String, pendingMigrations: [String])
    /// Nothing in the store answers to the reference under any reading.
    case referenceNotFound(String, tried: [String])
    /// A run has no artifact of that name.
    case artifactNotFound(run: String, name: String, existing: [String])
    /// A stored output chunk no longer decompresses to what was written.
    case corruptOutput(runID: Int64, seq: Int)
    /// An artifact's blob is missing or no longer matches its SHA-256.
    case corruptArtifact(owner: ArtifactOwner, name: String)
    /// A `postgresql://` URL that cannot be used.
    case badLocation(String)
    /// The PostgreSQL server could not be reached, or refused the login.
    case cannotConnect(location: String, reason: String)
    /// The connection to the PostgreSQL server broke; the transaction in flight was not committed.
    case connectionLost(location: String, reason: String)
    /// A mistake inside nnreg itself (a statement given the wrong number of values).
    case internalError(String)
    /// `copyRuns` read a blob of a run from the source that is missing or whose bytes do not hash to
    /// its recorded SHA-256 (`actualSHA256`, nil when missing); the run was not copied.
    case corruptSourceBlob(run: String, item: String, sha256: String, actualSHA256: String?)

    public var description: String {
        switch self {
        case .runNotFound(let reference):
            return "No run with id or name '\(reference)'. List runs with 'nnreg list'."
        case .databaseIsNewer(let path, let ids):
            return "\(path) was written by a newer nnreg (unknown migrations: "
                + "\(ids.joined(separator: ", "))). Upgrade nnreg to open it; the file was left untouched."
        case .corruptCheckpoint(let runID, let step):
            return "Checkpoint of run \(runID) at step \(step) is corrupt (SHA-256 mismatch). "
                + "Resume from an earlier checkpoint or restore the store from a backup."
        case .notADatabase(let path):
            return "\(path) is not an nnreg store (not an SQLite database). Choose another file with --db."
        case .isDirectory(let path):
            return "\(path) is a directory. Give the path of a store file with --db, e.g. \(path)/nnreg.sqlite."
        case .notReadable(let path):
            return "\(path) cannot be read. Check its permissions."
        case .readOnly(let path):
            return "\(path) is read-only. Check the permissions of the file and its folder."
        case .cannotCreate(let path, let reason):
            return "Cannot create a store at \(path): \(reason)."
        case .walUnavailable(let path, let mode):
            return "\(path) cannot use write-ahead logging (SQLite answered '\(mode)'). "
                + "Put the store on a local file system."
        case .invalidRunName(let name):
            return "'\(name)' cannot be a run name: use letters, digits, '-' or '_', not only digits."
        case .duplicateRunName(let name):
            return "A run named '\(name)' already exists. Choose another name."
        case .ambiguousRunName(let name, let runs):
            return "'\(name)' names \(runs.count > 10 ? "more than 10" : String(runs.count)) runs: \(runs.prefix(10).joined(separator: ", ")). "
                + "Name one by its uid (8 or more of its first hex digits do) or its numeric id."
        case .tagNotFound(let key):
            return "No tag '\(key)' is set."
        case .experimentNotFound(let reference):
            return "No experiment '\(reference)'. 'nnreg experiment list' shows them."
        case .sweepNotFound(let name):
            return "No sweep '\(name)'. 'nnreg sweep list' shows them."
        case .duplicateSweepName(let name):
            return "An experiment named '\(name)' already exists; a sweep is an experiment of its own. Choose another name, or continue that sweep with 'nnreg sweep resume \(name)'."
        case .duplicateExperimentName(let name):
            return "An experiment named '\(name)' already exists. Choose another name."
        case .invalidSearch(let detail):
            return "Invalid search: \(detail)."
        case .experimentIsDeleted(let name):
            return "Experiment '\(name)' is deleted. 'nnreg experiment restore \(name)' brings it back."
        case .defaultExperimentIsPermanent:
            return "The Default experiment (id 0) cannot be deleted."
        case .invalidExperimentName(let name):
            return "'\(name)' cannot be an experiment name: give a non-empty name without control characters."
        case .checkpointNotFound(let runID, let step):
            return "Run \(runID) has no checkpoint at step \(step)."
        case .busy(let path, let seconds):
            return "\(path) stayed locked by another process for \(String(format: "%.0f s", seconds)); nothing was written. "
                + "Retry; if it persists, look for a hung process holding the store ('nnreg list --status running')."
        case .diskFull(let path):
            return "The disk holding \(path) is full; the last write was rolled back and earlier records are intact. "
                + "Free some space (or move the store), then retry."
        case .modelNotFound(let name):
            return "No model named '\(name)'. List models with 'nnreg model list'."
        case .modelVersionNotFound(let model, let version, let existing):
            return "Model '\(model)' has no version \(version); it has "
                + (existing.isEmpty ? "none" : existing.map { "v\($0)" }.joined(separator: ", ")) + "."
        case .aliasNotFound(let model, let alias, let existing):
            let known = existing.sorted { $0.key < $1.key }.map { "@\($0.key) → v\($0.value)" }
            return "Model '\(model)' has no alias @\(alias); "
                + (known.isEmpty ? "it has no aliases (set one with 'nnreg model alias')." : "it has \(known.joined(separator: ", ")).")
        case .duplicateModelName(let name):
            return "A model named '\(name)' exists already. Choose another name ('nnreg model list' shows them)."
        case .versionIsNotACheckpoint(let reference, let source):
            return "Model version \(reference) was registered through the MLflow API from \(source), not from an nnreg checkpoint; "
                + "load it with MLflow's client ('models:/\(reference.replacingOccurrences(of: ":v", with: "/"))')."
        case .loggedModelNotFound(let id):
            return "No logged model \(id). Logged models are made by MLflow's log_model through 'nnreg serve --allow-writes'."
        case .invalidModelName(let name):
            return "'\(name)' cannot be a model name: use letters, digits, '.', '_' or '-', starting with a letter or digit, not only digits."
        case .invalidAlias(let alias):
            return "'\(alias)' cannot be an alias: use letters, digits, '_' or '-', starting with a letter ('latest' is reserved)."
        case .versionHasAliases(let model, let version, let aliases):
            return "Model '\(model)' version \(version) is \(aliases.map { "@\($0)" }.joined(separator: ", ")); "
                + "move or remove the alias first, or pass --force to remove it with the version."
        case .runUsedByModels(let run, let versions):
            return "Run \(run) made model version\(versions.count == 1 ? "" : "s") \(versions.joined(separator: ", ")); "
                + "delete \(versions.count == 1 ? "that version" : "those versions") first ('nnreg model delete NAME:vN')."
        case .ambiguousReference(let text, let readings):
            return "'\(text)' is ambiguous: it names \(readings.joined(separator: " and ")). "
                + "Use 'models:/…' for the model, or the run's numeric id."
        case .badLocation(let message):
            return message + "."
        case .cannotConnect(let location, let reason):
            return "Cannot open the store at \(location): \(reason). Check that the server runs and the URL, "
                + "user and password (PGPASSWORD or ~/.pgpass) are right."
        case .connectionLost(let location, let reason):
            return "Lost the connection to \(location) (\(reason)); the write in flight was rolled back and "
                + "everything committed before it is kept. Retry when the server is back ('nnreg resume RUN' "
                + "continues a training run from its last checkpoint)."
        case .internalError(let detail):
            return "Internal error in nnreg: \(detail). Please report it."
        case .noStore(let path):
            return "No store at \(path). Pass --db PATH (or set NNREG_DB) to the file 'nnreg train' wrote."
        case .needsUpgrade(let path, let pending):
            return "\(path) was written by an older nnreg and needs migrations \(pending.joined(separator: ", ")); "
                + "run 'nnreg check --db \(path)' once to upgrade it (a backup is written first), then retry."
        case .referenceNotFound(let text, let tried):
            return "Nothing answers to '\(text)' (tried \(tried.joined(separator: "; "))). 'nnreg list' and 'nnreg model list' show what exists."
        case .artifactNotFound(let run, let name, let existing):
            return "Run \(run) has no artifact '\(name)'; "
                + (existing.isEmpty ? "it has none." : "it has \(existing.prefix(10).joined(separator: ", "))\(existing.count > 10 ? ", …" : "") ('nnreg artifacts \(run)' lists them).")
        case .corruptOutput(let runID, let seq):
            return "Output chunk \(seq) of run \(runID) is corrupt (it does not decompress to its recorded size); 'nnreg check' reports the store's state."
        case .corruptArtifact(let owner, let name):
            return "Artifact '\(name)' of \(owner) is missing or corrupt (SHA-256 mismatch); 'nnreg check' reports the store's state."
        case .corruptSourceBlob(let run, let item, let sha256, let actual):
            let found = actual.map { "hash to \($0) instead of their recorded SHA-256 \(sha256)" }
                ?? "are missing (SHA-256 \(sha256))"
            return "Run \(run) was not copied: the bytes of \(item) in the source \(found); the destination has nothing "
                + "of this run. 'nnreg check' on the source reports the damage."
        }
    }

    public var errorDescription: String? { description }
}
