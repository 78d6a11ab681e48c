import Foundation
import Store

/// Opens `--db`, telling the user when a backup was written before migrating.
enum StoreOpening {
    static func open(_ path: String) throws -> Store {
        let store: Store
        do {
            store = try Store(path: path)
        } catch {
            throw CLIError("\(error)")
        }
        if let backup = store.backupPath {
            Terminal.diagnostic("Upgraded \(path) (\(store.appliedMigrationIDs.joined(separator: ", "))); backup written to \(backup)")
        }
        return store
    }

    /// Opens an existing store (a mistyped `--db` must not leave an empty store behind) and marks
    /// runs whose process died as `crashed`, for commands that read runs.
    static func openForReading(_ path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no store at '\(path)'; pass --db PATH (or set NNREG_DB) to the file 'nnreg train' wrote")
        }
        let store = try open(path)
        try store.markCrashedRuns()
        return store
    }
}
