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
    /// The run has no checkpoint at this step.
    case checkpointNotFound(runID: Int64, step: Int)
    /// Another process held the store's write lock longer than the busy timeout.
    case busy(path: String, seconds: Double)
    /// The disk (or file system) holding the store is full; the write that hit it was rolled back.
    case diskFull(path: String)

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
        case .checkpointNotFound(let runID, let step):
            return "Run \(runID) has no checkpoint at step \(step)."
        case .busy(let path, let seconds):
            return "\(path) stayed locked by another process for \(String(format: "%.0f s", seconds)); nothing was written. "
                + "Retry; if it persists, look for a hung process holding the store ('nnreg list --status running')."
        case .diskFull(let path):
            return "The disk holding \(path) is full; the last write was rolled back and earlier records are intact. "
                + "Free some space (or move the store), then retry."
        }
    }

    public var errorDescription: String? { description }
}
