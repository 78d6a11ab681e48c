import Foundation

extension Store {
    /// Runs, newest first, each with its latest `loss` and `accuracy`, its test accuracy (latest
    /// evaluation on split `test`), params and tags. Marks dead `running` runs as crashed first.
    /// One query for the runs (latest values are index seeks on the metrics key), one for all params,
    /// one for all tags.
    /// Soft-deleted runs are left out unless `includeDeleted`. Without `withParams` / `withTags` the
    /// summaries carry none (a caller that shows 50 of 10,000 runs reads those 50's tags itself);
    /// `paramKeys` keeps only those params (what a filter names).
    public func listRuns(
        status: RunStatus? = nil, limit: Int? = nil, includeDeleted: Bool = false, withParams: Bool = true,
        paramKeys: [String]? = nil, withTags: Bool = true
    ) throws -> [RunSummary] {
        // A read-only store shows dead runs as crashed without recording it.
        let crashed = Set(isReadOnly ? try crashedRunIDs() : try markCrashedRuns())
        let lossID = try metricKeyID("loss", create: false) ?? -1
        let accuracyID = try metricKeyID("accuracy", create: false) ?? -1
        let statement = try database.cachedStatement(
            sql: """
                SELECT r.id, r.name, r.status, r.steps_done, r.target_steps, r.created_at, r.started_at,
                    r.ended_at,
                    (SELECT value FROM metrics WHERE run_id = r.id AND key_id = ?1 ORDER BY step DESC LIMIT 1),
                    (SELECT value FROM metrics WHERE run_id = r.id AND key_id = ?2 ORDER BY step DESC LIMIT 1),
                    (SELECT e.accuracy FROM evaluations e
                     WHERE e.run_id = r.id AND e.split = 'test'
                       AND e.step = (SELECT max(step) FROM checkpoints WHERE run_id = r.id)
                     ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
                FROM runs r
                WHERE (?3 IS NULL OR r.status = ?3) AND (?5 OR r.deleted_at IS NULL)
                ORDER BY r.id DESC
                LIMIT ?4
                """)
        try statement.bind(lossID, at: 1)
        try statement.bind(accuracyID, at: 2)
        try statement.bind(status?.rawValue, at: 3)
        try statement.bind(limit ?? -1, at: 4)
        try statement.bind(includeDeleted ? 1 : 0, at: 5)
        defer { statement.reset() }
        var rows: [(Int64, String, RunStatus, Int, Int, Date, Date?, Date?, Double?, Double?, Double?)] = []
        while try statement.step() {
            let s = statement
            rows.append(
                (s.int64(at: 0), s.string(at: 1),
                 crashed.contains(s.int64(at: 0)) ? .crashed : RunStatus(rawValue: s.string(at: 2)) ?? .crashed, s.int(at: 3),
                 s.int(at: 4), s.date(at: 5), s.optionalDate(at: 6), s.optionalDate(at: 7),
                 s.optionalDouble(at: 8), s.optionalDouble(at: 9), s.optionalDouble(at: 10)))
        }
        guard !rows.isEmpty else { return [] }
        let lowestID = rows.map(\.0).min()!
        var params: [Int64: [String: ParamValue]] = [:]
        let paramStatement = try database.cachedStatement(
            sql: "SELECT run_id, key, value FROM params WHERE run_id >= ?1 AND (?2 IS NULL OR key IN (SELECT value FROM json_each(?2)))")
        try paramStatement.bind(lowestID, at: 1)
        if let paramKeys {
            let json = try JSONEncoder().encode(paramKeys)
            try paramStatement.bind(String(decoding: json, as: UTF8.self), at: 2)
        }
        while withParams, try paramStatement.step() {
            params[paramStatement.int64(at: 0), default: [:]][paramStatement.string(at: 1)] =
                Self.readParam(paramStatement, at: 2)
        }
        paramStatement.reset()
        var tags: [Int64: [String: String]] = [:]
        let tagStatement = try database.cachedStatement(sql: "SELECT run_id, key, value FROM tags WHERE run_id >= ?")
        try tagStatement.bind(lowestID, at: 1)
        while withTags, try tagStatement.step() {
            tags[tagStatement.int64(at: 0), default: [:]][tagStatement.string(at: 1)] = tagStatement.string(at: 2)
        }
        tagStatement.reset()
        return rows.map { row in
            RunSummary(
                id: row.0, name: row.1, status: row.2, stepsDone: row.3, targetSteps: row.4, createdAt: row.5,
                startedAt: row.6, endedAt: row.7, loss: row.8, accuracy: row.9, testAccuracy: row.10,
                params: params[row.0] ?? [:], tags: tags[row.0] ?? [:])
        }
    }
}
