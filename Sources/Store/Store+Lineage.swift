extension Store {
    /// Runs forked from `runID`, oldest first.
    public func forks(of runID: Int64) throws -> [Run] {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.runColumns) FROM runs WHERE parent_run_id = ? ORDER BY id")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var forks: [Run] = []
        while try statement.step() { forks.append(Self.readRun(statement)) }
        return forks
    }
}
