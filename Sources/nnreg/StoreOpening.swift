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

    /// Opens the store and marks runs whose process died as `crashed`, for commands that show runs.
    static func openForReading(_ path: String) throws -> Store {
        let store = try open(path)
        try store.markCrashedRuns()
        return store
    }
}
