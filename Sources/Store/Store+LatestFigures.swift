import Foundation

/// The figures `listRuns` shows without reading the large tables (migration 0003): `metric_latest`,
/// each run's latest point per metric key, and `runs.test_accuracy`. The writers keep them in the
/// transaction that stores what they summarise (metrics has no triggers, for insert speed);
/// `check()` reports any that disagree.
extension Store {
    /// Replaces the run's latest point of a key unless a later step is stored; a point at the same
    /// step replaces it, as it replaces the point in metrics. Call inside the transaction that
    /// inserts the point.
    func updateLatestMetric(runID: Int64, keyID: Int64, step: Int, value: Double) throws {
        let upsert = try database.cachedStatement(sql: """
            INSERT INTO metric_latest (run_id, key_id, step, value) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (run_id, key_id) DO UPDATE SET step = excluded.step, value = excluded.value
            WHERE excluded.step >= metric_latest.step
            """)
        try upsert.bind(runID, at: 1)
        try upsert.bind(keyID, at: 2)
        try upsert.bind(step, at: 3)
        try upsert.bind(value, at: 4)
        try upsert.execute()
    }

    /// A run's latest value of each metric it has points for, by key.
    public func latestMetrics(runID: Int64) throws -> [String: Double] {
        let statement = try database.cachedStatement(sql: """
            SELECT k.key, l.value FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ?
            """)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var values: [String: Double] = [:]
        while try statement.step() { values[statement.string(at: 0)] = statement.metricValue(at: 1) }
        return values
    }

    /// The test accuracy a run shows, for the run `?1`: the latest test-split evaluation of its latest
    /// checkpoint (an evaluation of an earlier checkpoint does not replace it).
    static let testAccuracySQL = """
        SELECT e.accuracy FROM evaluations e
        WHERE e.run_id = ?1 AND e.split = 'test' AND e.step = (SELECT max(step) FROM checkpoints WHERE run_id = ?1)
        ORDER BY e.created_at DESC, e.id DESC LIMIT 1
        """

    /// Sets `runs.test_accuracy` from the evaluations; call inside the transaction that stores a
    /// checkpoint or an evaluation of the run.
    func updateTestAccuracy(runID: Int64) throws {
        let update = try database.cachedStatement(sql: "UPDATE runs SET test_accuracy = (\(Self.testAccuracySQL)) WHERE id = ?1")
        try update.bind(runID, at: 1)
        try update.execute()
    }

    /// Latest points that disagree with the metrics table: a (run, key) whose row is missing, stale
    /// or left over, with what metrics says and what the row says (nil where there is none).
    /// Points of missing runs are `orphaned_metrics`, not this.
    func staleLatestMetrics() throws -> [(runID: Int64, key: String, expected: (step: Int, value: Double)?, stored: (step: Int, value: Double)?)] {
        let statement = try database.makeStatement(sql: """
            WITH latest_step AS (
                SELECT run_id, key_id, max(step) AS step FROM metric_points
                WHERE run_id IN (SELECT id FROM runs) GROUP BY run_id, key_id),
            latest AS (
                SELECT m.run_id, m.key_id, m.step, max(m.seq) AS seq FROM latest_step s
                JOIN metric_points m ON m.run_id = s.run_id AND m.key_id = s.key_id AND m.step = s.step
                GROUP BY m.run_id, m.key_id, m.step),
            expected AS (
                SELECT m.run_id, m.key_id, m.step, m.value FROM latest
                JOIN metric_points m ON m.run_id = latest.run_id AND m.key_id = latest.key_id AND m.step = latest.step
                    AND m.seq = latest.seq)
            SELECT coalesce(e.run_id, l.run_id), coalesce(k.key, '#' || coalesce(e.key_id, l.key_id)),
                e.step, e.value, l.step, l.value
            FROM expected e FULL JOIN metric_latest l ON l.run_id = e.run_id AND l.key_id = e.key_id
            LEFT JOIN metric_keys k ON k.id = coalesce(e.key_id, l.key_id)
            WHERE e.step IS DISTINCT FROM l.step OR e.value IS DISTINCT FROM l.value
            ORDER BY 1, 2
            """)
        var rows: [(Int64, String, (Int, Double)?, (Int, Double)?)] = []
        while try statement.step() {
            rows.append((
                statement.int64(at: 0), statement.string(at: 1),
                statement.isNull(at: 2) ? nil : (statement.int(at: 2), statement.metricValue(at: 3)),
                statement.isNull(at: 4) ? nil : (statement.int(at: 4), statement.metricValue(at: 5))))
        }
        return rows
    }

    /// Runs whose `test_accuracy` is not what their evaluations say: (run, expected, stored).
    func staleTestAccuracies() throws -> [(runID: Int64, expected: Double?, stored: Double?)] {
        let statement = try database.makeStatement(sql: """
            SELECT id, expected, test_accuracy FROM (
                SELECT r.id, r.test_accuracy, (\(Self.testAccuracySQL.replacingOccurrences(of: "?1", with: "r.id"))) AS expected
                FROM runs r) AS figures
            WHERE expected IS DISTINCT FROM test_accuracy ORDER BY id
            """)
        var rows: [(Int64, Double?, Double?)] = []
        while try statement.step() {
            rows.append((statement.int64(at: 0), statement.optionalDouble(at: 1), statement.optionalDouble(at: 2)))
        }
        return rows
    }
}
