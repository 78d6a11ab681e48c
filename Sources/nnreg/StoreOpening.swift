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
            Terminal.diagnostic("Upgraded \(store.path) (\(store.appliedMigrationIDs.joined(separator: ", "))); backup written to \(backup)")
        }
        return store
    }

    /// Opens an existing store (a mistyped `--db` must not leave an empty store behind) and marks
    /// runs whose process died as `crashed`, for commands that read runs.
    static func openForReading(_ path: String) throws -> Store {
        if Store.isServerLocation(path) {
            let exists: Bool
            do { exists = try Store.serverStoreExists(path) } catch { throw CLIError("\(error)") }
            guard exists else {
                throw CLIError("no nnreg store in \(Store.shownLocation(path)); create one there with any writing command "
                    + "(for example 'nnreg train --db URL'), or pass the URL of the database that holds yours")
            }
        } else if !FileManager.default.fileExists(atPath: path) {
            throw CLIError("no store at '\(path)'; pass --db PATH (or set NNREG_DB) to the file 'nnreg train' wrote")
        }
        let store = try open(path)
        try store.markCrashedRuns()
        return store
    }
}
