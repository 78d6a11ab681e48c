import Foundation
import PostgresClient

extension Store {
    /// Runs, newest first, each with its latest `loss` and `accuracy`, its test accuracy (latest
    /// evaluation on split `test` of its latest checkpoint), params and tags. Marks dead `running`
    /// runs as crashed first. Sequential reads only: the runs (with their test accuracy), the latest
    /// points of those two keys (`metric_latest`), params, tags; no per-run lookups.
    /// Soft-deleted runs are left out unless `includeDeleted`. Without `withParams` / `withTags` the
    /// summaries carry none (a caller that shows 50 of 10,000 runs reads those 50's tags itself);
    /// `paramKeys` keeps only those params (what a filter names); without `withLatestMetrics` no
    /// loss or accuracy (`latestMetrics(runID:)` reads them for one run). `ids` keeps only the runs
    /// whose ids are in that range. `brief` summaries leave out the name, times and step counts
    /// (empty, zero): for a caller that filters many runs on other fields and then reads the few it
    /// shows again in full (less to read and to decode). `experimentID` keeps only that experiment's
    /// runs; without it, runs of a deleted experiment are left out with it (unless `includeDeleted`).
    public func listRuns(
        status: RunStatus? = nil, limit: Int? = nil, includeDeleted: Bool = false, withParams: Bool = true,
        paramKeys: [String]? = nil, withTags: Bool = true, withLatestMetrics: Bool = true,
        ids: ClosedRange<Int64> = Int64.min...Int64.max, brief: Bool = false, experimentID: Int64? = nil
    ) throws -> [RunSummary] {
        // On a store file with many runs, every run's params are read at the same time on a read-only
        // connection of their own: the runs page of 10,000 runs takes about a sixth less on two cores.
        let path = self.path
        var paramsRead: ParallelRead<(params: [Int64: [String: ParamValue]], highestRunID: Int64)>?
        if withParams, limit == nil, ids == Int64.min...Int64.max, database.dialect == .sqlite, path != ":memory:", !path.isEmpty,
           try database.int64(sql: "SELECT coalesce(max(id), 0) FROM runs") ?? 0 > Self.parallelParamsRuns {
            paramsRead = ParallelRead(path: path) { try $0.paramsByRun(keys: paramKeys) }
        }
        // A read-only store shows dead runs as crashed without recording it.
        let crashed = Set(isReadOnly ? try crashedRunIDs() : try markCrashedRuns())
        let columns = brief
            ? "r.id, '', r.status, 0, 0, 0.0, NULL, NULL, r.experiment_id"
            : "r.id, r.name, r.status, r.steps_done, r.target_steps, r.created_at, r.started_at, r.ended_at, r.experiment_id"
        let statement = try database.cachedStatement(
            sql: """
                SELECT \(columns), \(try shownTestAccuracySQL())
                FROM runs r
                WHERE r.id BETWEEN ?4 AND ?5 AND r.status = coalesce(?1, r.status) AND (?3 = 1 OR r.deleted_at IS NULL)
                  AND \(Self.experimentCondition)
                ORDER BY r.id DESC
                LIMIT ?2
                """)
        try statement.bind(status?.rawValue, at: 1)
        try statement.bind(limit ?? Int.max, at: 2)
        try statement.bind(includeDeleted ? 1 : 0, at: 3)
        try statement.bind(ids.lowerBound, at: 4)
        try statement.bind(ids.upperBound, at: 5)
        try statement.bind(experimentID, at: 6)
        defer { statement.reset() }
        var rows: [(Int64, String, RunStatus, Int, Int, Date, Date?, Date?, Double?, Double?, Double?)] = []
        var experimentIDs: [Int64] = []
        while try statement.step() {
            let s = statement
            rows.append(
                (s.int64(at: 0), s.string(at: 1),
                 crashed.contains(s.int64(at: 0)) ? .crashed : RunStatus(rawValue: s.string(at: 2)) ?? .crashed, s.int(at: 3),
                 s.int(at: 4), s.date(at: 5), s.optionalDate(at: 6), s.optionalDate(at: 7),
                 nil, nil, s.optionalDouble(at: 9)))
            experimentIDs.append(s.int64(at: 8))
        }
        guard !rows.isEmpty else { return [] }
        let lowestID = rows.map(\.0).min()!, highestID = rows.map(\.0).max()!
        let lossID = try metricKeyID("loss", create: false) ?? -1
        let accuracyID = try metricKeyID("accuracy", create: false) ?? -1
        var params = [[String: ParamValue]](repeating: [:], count: rows.count)
        var tags = [[String: String]](repeating: [:], count: rows.count)
        if database.dialect == .postgresql {
            let index = Dictionary(rows.indices.map { (rows[$0].0, $0) }, uniquingKeysWith: { first, _ in first })
            if withLatestMetrics {
                let columns = try sideColumns(
                    "SELECT run_id, key_id, value FROM metric_latest WHERE run_id BETWEEN ?1 AND ?4 AND key_id IN (?2, ?3)",
                    [.integer(lowestID), .integer(lossID), .integer(accuracyID), .integer(highestID)])
                let (keyIDs, values) = (columns.1.integers, columns.2.reals)
                for (position, runID) in columns.0.integers.enumerated() {
                    guard let row = index[runID] else { continue }
                    if keyIDs[position] == lossID { rows[row].8 = values[position] } else { rows[row].9 = values[position] }
                }
            }
            if withParams {
                let columns = try sideColumns(
                    paramKeys == nil
                        ? "SELECT run_id, key, value FROM params WHERE run_id BETWEEN ?1 AND ?2"
                        : "SELECT run_id, key, value FROM params WHERE run_id BETWEEN ?1 AND ?2 AND key = ANY (?3::text[])",
                    [.integer(lowestID), .integer(highestID)] + (paramKeys.map { [.texts($0)] } ?? []))
                let (keys, values) = (columns.1.texts, columns.2.texts)
                for (position, runID) in columns.0.integers.enumerated() {
                    guard let row = index[runID] else { continue }
                    params[row][keys[position]] = Self.paramValue(typedText: values[position])
                }
            }
            if withTags {
                let columns = try sideColumns(
                    "SELECT run_id, key, value FROM tags WHERE run_id BETWEEN ?1 AND ?2", [.integer(lowestID), .integer(highestID)])
                let (keys, values) = (columns.1.texts, columns.2.texts)
                for (position, runID) in columns.0.integers.enumerated() {
                    guard let row = index[runID] else { continue }
                    tags[row][keys[position]] = values[position]
                }
            }
            return Self.summaries(rows, params, tags, experimentIDs)
        }
        let latest = try database.cachedStatement(
            sql: "SELECT run_id, key_id, value FROM metric_latest WHERE run_id BETWEEN ?1 AND ?4 AND key_id IN (?2, ?3) ORDER BY run_id")
        try latest.bind(lowestID, at: 1)
        try latest.bind(highestID, at: 4)
        try latest.bind(lossID, at: 2)
        try latest.bind(accuracyID, at: 3)
        // The reads below return runs in ascending id order (per key, for the params index), so a
        // cursor walking `rows` (newest first) from its end finds each run's row without hashing.
        var cursor = rows.count - 1
        func rowIndex(of runID: Int64) -> Int? {
            if cursor < rows.count - 1, rows[cursor + 1].0 >= runID { cursor = rows.count - 1 }  // a new key began
            while cursor >= 0, rows[cursor].0 < runID { cursor -= 1 }
            return cursor >= 0 && rows[cursor].0 == runID ? cursor : nil
        }
        while withLatestMetrics, try latest.step() {
            guard let index = rowIndex(of: latest.int64(at: 0)) else { continue }
            if latest.int64(at: 1) == lossID { rows[index].8 = latest.metricValue(at: 2) } else { rows[index].9 = latest.metricValue(at: 2) }
        }
        latest.reset()
        cursor = rows.count - 1
        // Named keys come from the index on (key, run_id); all params from the table in run order.
        // Params from the read begun above, then those of runs created after it began, here.
        var paramsFrom = lowestID
        if let paramsRead {
            let (byRun, highestRunID) = try paramsRead.wait()
            for index in rows.indices where rows[index].0 <= highestRunID { params[index] = byRun[rows[index].0] ?? [:] }
            paramsFrom = max(lowestID, highestRunID + 1)
        }
        let paramStatement = try database.cachedStatement(sql: paramKeys == nil
            ? "SELECT run_id, key, value FROM params WHERE run_id BETWEEN ?1 AND ?3 ORDER BY run_id"
            : "SELECT run_id, key, value FROM params WHERE key IN (SELECT value FROM json_each(?2)) AND run_id BETWEEN ?1 AND ?3 ORDER BY key, run_id")
        try paramStatement.bind(paramsFrom, at: 1)
        try paramStatement.bind(highestID, at: 3)
        if let paramKeys {
            let json = try JSONEncoder().encode(paramKeys)
            try paramStatement.bind(String(decoding: json, as: UTF8.self), at: 2)
        }
        while withParams, try paramStatement.step() {
            guard let index = rowIndex(of: paramStatement.int64(at: 0)) else { continue }
            params[index][paramStatement.string(at: 1)] = Self.readParam(paramStatement, at: 2)
        }
        paramStatement.reset()
        cursor = rows.count - 1
        let tagStatement = try database.cachedStatement(
            sql: "SELECT run_id, key, value FROM tags WHERE run_id BETWEEN ? AND ? ORDER BY run_id")
        try tagStatement.bind(lowestID, at: 1)
        try tagStatement.bind(highestID, at: 2)
        while withTags, try tagStatement.step() {
            guard let index = rowIndex(of: tagStatement.int64(at: 0)) else { continue }
            tags[index][tagStatement.string(at: 1)] = tagStatement.string(at: 2)
        }
        tagStatement.reset()
        return Self.summaries(rows, params, tags, experimentIDs)
    }

    /// The experiment filter of `listRuns` for `FROM runs r`, with the experiment's id (or NULL) as
    /// parameter ?6 and ?3 = 1 to include deleted runs: that experiment's runs; without one, every
    /// run but those of deleted experiments (hidden with them until restored).
    static let experimentCondition = """
        (r.experiment_id = ?6 OR (?6 IS NULL AND (?3 = 1
             OR r.experiment_id NOT IN (SELECT id FROM experiments WHERE lifecycle = 'deleted'))))
        """

    /// How many runs each experiment holds that `listRuns` shows (soft-deleted runs left out), by
    /// experiment id: what the runs page's switch counts.
    public func shownRunCounts() throws -> [Int64: Int] {
        let statement = try database.cachedStatement(
            sql: "SELECT experiment_id, count(*) FROM runs WHERE deleted_at IS NULL GROUP BY experiment_id")
        defer { statement.reset() }
        var counts: [Int64: Int] = [:]
        while try statement.step() { counts[statement.int64(at: 0)] = statement.int(at: 1) }
        return counts
    }

    /// Runs above this many (by highest id) have their params read on a connection of their own.
    static let parallelParamsRuns: Int64 = 2_000

    /// Every run's params (only `keys` when given) by run id, and the highest run id, both of one
    /// snapshot: a run above that id was created after this read and has none here.
    func paramsByRun(keys: [String]?) throws -> (params: [Int64: [String: ParamValue]], highestRunID: Int64) {
        try database.execute(sql: "BEGIN")
        defer { try? database.execute(sql: "COMMIT") }
        let highest = try database.int64(sql: "SELECT coalesce(max(id), 0) FROM runs") ?? 0
        let statement = try database.makeStatement(sql: keys == nil
            ? "SELECT run_id, key, value FROM params"
            : "SELECT run_id, key, value FROM params WHERE key IN (SELECT value FROM json_each(?1))")
        if let keys { try statement.bind(String(decoding: try JSONEncoder().encode(keys), as: UTF8.self), at: 1) }
        var params: [Int64: [String: ParamValue]] = [:]
        while try statement.step() {
            params[statement.int64(at: 0), default: [:]][statement.string(at: 1)] = Self.readParam(statement, at: 2)
        }
        return (params, highest)
    }

    private static func summaries(
        _ rows: [(Int64, String, RunStatus, Int, Int, Date, Date?, Date?, Double?, Double?, Double?)],
        _ params: [[String: ParamValue]], _ tags: [[String: String]], _ experimentIDs: [Int64]
    ) -> [RunSummary] {
        rows.indices.map { index in
            let row = rows[index]
            return RunSummary(
                id: row.0, name: row.1, status: row.2, stepsDone: row.3, targetSteps: row.4, createdAt: row.5,
                startedAt: row.6, endedAt: row.7, loss: row.8, accuracy: row.9, testAccuracy: row.10,
                params: params[index], tags: tags[index], experimentID: experimentIDs[index])
        }
    }

    /// PostgreSQL: the three columns of a side read of `listRuns` as three arrays in one row (rows one
    /// by one cost about 3 µs each in postgres-nio: 30 ms for the 10,000 side rows of 1,000 runs).
    private func sideColumns(_ sql: String, _ binds: [PostgresValue]) throws -> (PostgresValue, PostgresValue, PostgresValue) {
        let server = database as! PostgreSQLDatabase
        let rows = try server.run(
            "SELECT array_agg(c0), array_agg(c1), array_agg(c2) FROM (\(PostgreSQLStatement.placeholders(sql).0)) AS t (c0, c1, c2)",
            binds)
        guard rows.count == 1, rows[0, 1].elementCount == rows[0, 0].elementCount,
              rows[0, 2].elementCount == rows[0, 0].elementCount
        else { throw StoreError.internalError("no row of three arrays of one length from: \(sql)") }
        return (rows[0, 0], rows[0, 1], rows[0, 2])
    }
}
