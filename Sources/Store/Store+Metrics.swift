import Foundation

extension Store {
    /// The small integer standing for `key` in `metrics`, created on first use (call inside a
    /// transaction: the cache is cleared when one rolls back).
    func metricKeyID(_ key: String, create: Bool = true) throws -> Int64? {
        if let id = metricKeyIDs[key] { return id }
        let select = try database.cachedStatement(sql: "SELECT id FROM metric_keys WHERE key = ?")
        try select.bind(key, at: 1)
        let found = try select.step() ? select.int64(at: 0) : nil
        select.reset()
        if let found {
            metricKeyIDs[key] = found
            return found
        }
        guard create else { return nil }
        let insert = try database.cachedStatement(sql: "INSERT INTO metric_keys (key) VALUES (?) RETURNING id")
        try insert.bind(key, at: 1)
        let id = try insertedID(insert)
        metricKeyIDs[key] = id
        return id
    }

    /// Inserts one point, replacing one logged before at the same (run, key, step).
    var insertMetricSQL: String {
        switch database.dialect {
        case .sqlite: "INSERT OR REPLACE INTO metrics (run_id, key_id, step, value, wall_time) VALUES (?, ?, ?, ?, ?)"
        case .postgresql: "INSERT INTO metrics (run_id, key_id, step, value, wall_time) VALUES (?, ?, ?, ?, ?) "
            + Self.replaceMetricSQL
        }
    }
    static let replaceMetricSQL =
        "ON CONFLICT (run_id, key_id, step, seq) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time"
    /// PostgreSQL's bulk path: one statement carries the whole batch as four arrays.
    static let insertMetricArraysSQL = """
        INSERT INTO metrics (run_id, key_id, step, value, wall_time)
        SELECT ?, k, s, v, w FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::float8[]) AS t (k, s, v, w)
        """

    /// Throws `StoreError.runNotFound` unless the run exists (metrics has no foreign keys, for speed).
    func requireRun(_ runID: Int64) throws {
        let statement = try database.cachedStatement(sql: "SELECT 1 FROM runs WHERE id = ?")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.runNotFound(String(runID)) }
    }

    func insertMetrics(runID: Int64, step: Int, values: [(String, Double)], wallTime: Date) throws {
        try requireRun(runID)
        let insert = try database.cachedStatement(sql: insertMetricSQL)
        let time = wallTime.timeIntervalSince1970
        for (key, value) in values {
            let keyID = try metricKeyID(key)!
            try insert.bind(runID, at: 1)
            try insert.bind(keyID, at: 2)
            try insert.bind(step, at: 3)
            try insert.bind(value, at: 4)
            try insert.bind(time, at: 5)
            try insert.execute()
            try updateLatestMetric(runID: runID, keyID: keyID, step: step, value: value)
        }
    }

    /// Logs the values of several metrics at one step, in one transaction. A point logged again at
    /// the same (run, key, step) replaces the earlier one.
    public func logMetrics(runID: Int64, step: Int, values: [(String, Double)], wallTime: Date = Date()) throws {
        if let server = database as? PostgreSQLDatabase {
            return try logPoints(on: server, runID: runID, step: step, values: values, wallTime: wallTime, progress: false)
        }
        try inTransaction { try insertMetrics(runID: runID, step: step, values: values, wallTime: wallTime) }
    }

    /// PostgreSQL: one display step as one call of `nnreg_log_points` (migration 0006), with the run's
    /// progress when `progress`. A key seen for the first time is created first, in a transaction of
    /// the call's own (under the writers' lock, so two writers never race to create it).
    private func logPoints(
        on server: PostgreSQLDatabase, runID: Int64, step: Int, values: [(String, Double)], wallTime: Date, progress: Bool
    ) throws {
        if !server.isInsideTransaction, values.contains(where: { metricKeyIDs[$0.0] == nil }) {
            return try inTransaction {
                try logPoints(on: server, runID: runID, step: step, values: values, wallTime: wallTime, progress: progress)
            }
        }
        // A key given twice keeps its later value, as on SQLite.
        var keyIDs: [Int64] = [], numbers: [Double] = []
        for (key, value) in values {
            let keyID = try metricKeyID(key)!
            if let index = keyIDs.firstIndex(of: keyID) { numbers[index] = value } else { keyIDs.append(keyID); numbers.append(value) }
        }
        let time = wallTime.timeIntervalSince1970
        try server.logPoints(
            runID: runID, step: step, keyIDs: keyIDs, values: numbers, wallTime: time, heartbeatAt: progress ? time : nil)
    }

    /// Logs the values of several metrics at one step (in key order), in one transaction.
    public func logMetrics(runID: Int64, step: Int, values: [String: Double], wallTime: Date = Date()) throws {
        try logMetrics(
            runID: runID, step: step, values: values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            wallTime: wallTime)
    }

    /// Logs many points of one run in one transaction (the fast path for bulk imports). Points are
    /// written in (key, step) order, so each key's points append to one contiguous range of the
    /// table instead of alternating between keys (twice as fast for interleaved keys); a point
    /// given twice keeps the later value.
    public func logMetrics(runID: Int64, samples unordered: [MetricSample]) throws {
        try inTransaction {
            try requireRun(runID)
            // Resolve keys once; per row only compare against the few keys seen (usually 1-3).
            var keys: [(key: String, id: Int64)] = []
            for sample in unordered where !keys.contains(where: { $0.key == sample.key }) {
                keys.append((sample.key, try metricKeyID(sample.key)!))
            }
            var byKey = [[MetricSample]](repeating: [], count: keys.count)
            for sample in unordered { byKey[keys.firstIndex { $0.key == sample.key }!].append(sample) }
            for index in byKey.indices where !zip(byKey[index], byKey[index].dropFirst()).allSatisfy({ $0.step <= $1.step }) {
                byKey[index] = byKey[index].enumerated().sorted { ($0.element.step, $0.offset) < ($1.element.step, $1.offset) }.map(\.element)
            }
            // In (key, step) order, each with its key's id.
            let rows = byKey.indices.flatMap { keyIndex in byKey[keyIndex].map { (keys[keyIndex].id, $0) } }
            if database.dialect == .postgresql {
                try insertMetricArrays(runID: runID, rows: rows)
            } else {
                try insertMetricRows(runID: runID, rows.map { keyID, sample in
                    MetricRow(keyID: keyID, step: Int64(sample.step), seq: 0, value: sample.value, wallTime: sample.wallTime.timeIntervalSince1970)
                }, replacing: true)
            }
            // Each key's latest point is the last of its bucket (highest step; of equal steps the later).
            for (keyIndex, bucket) in byKey.enumerated() {
                guard let sample = bucket.last else { continue }
                try updateLatestMetric(runID: runID, keyID: keys[keyIndex].id, step: sample.step, value: sample.value)
            }
        }
    }

    /// Rows per statement when points are written as rows in bulk (6 parameters each, far below
    /// either backend's limit): many rows per statement share its fixed cost.
    static let metricChunk = 200
    static let metricChunkSQL = metricRowsSQL(replacing: false, count: metricChunk)
    static let replacingMetricChunkSQL = metricRowsSQL(replacing: true, count: metricChunk)

    /// The replacing form leaves `seq` to its default, 0 (the trainer's points; a store older than
    /// migration 0008 has no seq).
    private static func metricRowsSQL(replacing: Bool, count: Int) -> String {
        replacing
            ? "INSERT OR REPLACE INTO metrics (run_id, key_id, step, value, wall_time) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
            : "INSERT INTO metrics (run_id, key_id, step, seq, value, wall_time) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
    }

    /// Inserts rows of run `runID` with their seqs as given (none looked up), `metricChunk` rows per
    /// statement while that many are left, then one by one. `replacing` (SQLite's) replaces a point
    /// stored at the same (key, step) and writes seq 0 whatever the rows say.
    func insertMetricRows(runID: Int64, _ rows: [MetricRow], replacing: Bool = false) throws {
        guard !rows.isEmpty else { return }
        let chunk = try database.cachedStatement(sql: replacing ? Self.replacingMetricChunkSQL : Self.metricChunkSQL)
        let single = try database.cachedStatement(sql: Self.metricRowsSQL(replacing: replacing, count: 1))
        var index = 0
        while index < rows.count {
            let count = rows.count - index >= Self.metricChunk ? Self.metricChunk : 1
            let statement = count == 1 ? single : chunk
            var parameter: Int32 = 1
            for row in rows[index..<(index + count)] {
                try statement.bind(runID, at: parameter)
                try statement.bind(row.keyID, at: parameter + 1)
                try statement.bind(row.step, at: parameter + 2)
                if !replacing {
                    try statement.bind(row.seq, at: parameter + 3)
                    parameter += 1
                }
                try statement.bind(row.value, at: parameter + 3)
                try statement.bind(row.wallTime, at: parameter + 4)
                parameter += 5
            }
            try statement.execute()
            index += count
        }
    }

    /// Points per chunk of PostgreSQL's bulk path (migration 0007's `metric_chunks`) and rows per
    /// statement when it writes rows.
    static let metricArrayChunk = 10_000
    /// Fewer points of a key than this in one batch are stored as rows: a tracked program's writer
    /// sends a few points at a time, and a row of arrays per few points would be slower to read.
    static let minimumChunkPoints = 1_000

    /// PostgreSQL: points that replace none already stored (a batch of new steps, the usual case;
    /// the writers' lock keeps it so until the commit) are stored as chunks of arrays, up to
    /// `metricArrayChunk` steps of one key per row. Otherwise the chunks the batch reaches into are
    /// moved to rows and the batch is upserted as rows, `metricArrayChunk` per statement. A (key,
    /// step) given twice keeps the later value: only the later of adjacent duplicates is sent.
    func insertMetricArrays(runID: Int64, rows unfiltered: [(Int64, MetricSample)]) throws {
        let rows = unfiltered.indices.filter { index in
            index + 1 == unfiltered.count || unfiltered[index + 1].0 != unfiltered[index].0
                || unfiltered[index + 1].1.step != unfiltered[index].1.step
        }.map { unfiltered[$0] }
        guard !rows.isEmpty else { return }
        let steps = rows.map(\.1.step)
        let keyIDs = Array(Set(rows.map(\.0)))
        let (from, to) = (Int64(steps.min()!), Int64(steps.max()!))
        let overlap = try database.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM metrics WHERE run_id = ?1 AND key_id = ANY (?2::bigint[]) AND step BETWEEN ?3 AND ?4)
                OR EXISTS (SELECT 1 FROM metric_chunks WHERE run_id = ?1 AND key_id = ANY (?2::bigint[]) AND first_step <= ?4 AND last_step >= ?3)
            """) as! PostgreSQLStatement
        try overlap.bind(runID, at: 1)
        try overlap.bind(array: .integers(keyIDs), at: 2)
        try overlap.bind(from, at: 3)
        try overlap.bind(to, at: 4)
        guard try overlap.step() else { throw StoreError.internalError("no row from the overlap check") }
        let replaces = overlap.int(at: 0) != 0
        overlap.reset()
        if !replaces {
            // Each key's points, chunked when there are enough of them; the others as rows.
            let insert = try database.cachedStatement(sql: """
                INSERT INTO metric_chunks (run_id, key_id, first_step, last_step, point_count, steps, point_values, wall_times)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6::bigint[], ?7::float8[], ?8::float8[])
                """) as! PostgreSQLStatement
            var fewRows: [(Int64, MetricSample)] = []
            var keyStart = 0
            while keyStart < rows.count {
                var keyEnd = keyStart + 1
                while keyEnd < rows.count, rows[keyEnd].0 == rows[keyStart].0 { keyEnd += 1 }
                guard keyEnd - keyStart >= Self.minimumChunkPoints else {
                    fewRows += rows[keyStart..<keyEnd]
                    keyStart = keyEnd
                    continue
                }
                for start in stride(from: keyStart, to: keyEnd, by: Self.metricArrayChunk) {
                    let chunk = rows[start..<min(start + Self.metricArrayChunk, keyEnd)]
                    try insert.bind(runID, at: 1)
                    try insert.bind(chunk.first!.0, at: 2)
                    try insert.bind(chunk.first!.1.step, at: 3)
                    try insert.bind(chunk.last!.1.step, at: 4)
                    try insert.bind(chunk.count, at: 5)
                    try insert.bind(array: .integers(chunk.map { Int64($0.1.step) }), at: 6)
                    try insert.bind(array: .reals(chunk.map(\.1.value)), at: 7)
                    try insert.bind(array: .reals(chunk.map { $0.1.wallTime.timeIntervalSince1970 }), at: 8)
                    try insert.execute()
                }
                keyStart = keyEnd
            }
            return try insertMetricRows(runID: runID, rows: fewRows, replacing: false)
        }
        let unchunk = try database.cachedStatement(sql: "SELECT nnreg_unchunk(?1, ?2::bigint[], ?3, ?4)") as! PostgreSQLStatement
        try unchunk.bind(runID, at: 1)
        try unchunk.bind(array: .integers(keyIDs), at: 2)
        try unchunk.bind(from, at: 3)
        try unchunk.bind(to, at: 4)
        try unchunk.execute()
        try insertMetricRows(runID: runID, rows: rows, replacing: true)
    }

    /// PostgreSQL: points as rows of metrics, `metricArrayChunk` per statement; upserts when `replacing`.
    private func insertMetricRows(runID: Int64, rows: [(Int64, MetricSample)], replacing: Bool) throws {
        let statement = try database.cachedStatement(
            sql: replacing ? Self.insertMetricArraysSQL + " " + Self.replaceMetricSQL : Self.insertMetricArraysSQL)
            as! PostgreSQLStatement
        for start in stride(from: 0, to: rows.count, by: Self.metricArrayChunk) {
            let chunk = rows[start..<min(start + Self.metricArrayChunk, rows.count)]
            try statement.bind(runID, at: 1)
            try statement.bind(array: .integers(chunk.map(\.0)), at: 2)
            try statement.bind(array: .integers(chunk.map { Int64($0.1.step) }), at: 3)
            try statement.bind(array: .reals(chunk.map(\.1.value)), at: 4)
            try statement.bind(array: .reals(chunk.map { $0.1.wallTime.timeIntervalSince1970 }), at: 5)
            try statement.execute()
        }
    }

    /// Records one display step in ONE transaction: its metrics, optionally its checkpoint, and the
    /// run's progress (`steps_done = step`, heartbeat now). Either all of it is stored or none.
    @discardableResult
    public func logStep(
        runID: Int64, step: Int, metrics: [(String, Double)],
        checkpoint: (weights: Data, trainerState: Data)? = nil, wallTime: Date = Date()
    ) throws -> CheckpointInfo? {
        if let server = database as? PostgreSQLDatabase {
            // The points and the progress are one statement; a checkpoint joins them in a transaction.
            guard let checkpoint else {
                try logPoints(on: server, runID: runID, step: step, values: metrics, wallTime: wallTime, progress: true)
                return nil
            }
            return try inTransaction {
                try logPoints(on: server, runID: runID, step: step, values: metrics, wallTime: wallTime, progress: true)
                return try saveCheckpoint(
                    runID: runID, step: step, weights: checkpoint.weights, trainerState: checkpoint.trainerState)
            }
        }
        return try inTransaction {
            try insertMetrics(runID: runID, step: step, values: metrics, wallTime: wallTime)
            var info: CheckpointInfo?
            if let checkpoint {
                info = try saveCheckpoint(
                    runID: runID, step: step, weights: checkpoint.weights, trainerState: checkpoint.trainerState)
            }
            try updateRun(runID: runID, stepsDone: step, heartbeatAt: wallTime)
            return info
        }
    }

    /// Every stored point of one metric of one run, by step.
    public func metricHistory(runID: Int64, key: String) throws -> [MetricPoint] {
        guard let keyID = try metricKeyID(key, create: false) else { return [] }
        if database.dialect == .postgresql {
            let (steps, values, times) = try metricArrays(runID: runID, keyID: keyID, withWallTime: true)
            return steps.indices.map {
                MetricPoint(step: Int(steps[$0]), value: values[$0], wallTime: Date(timeIntervalSince1970: times[$0]))
            }
        }
        let statement = try database.cachedStatement(
            sql: "SELECT step, value, wall_time FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, seq")
        try statement.bind(runID, at: 1)
        try statement.bind(keyID, at: 2)
        defer { statement.reset() }
        var points: [MetricPoint] = []
        while try statement.step() {
            points.append(
                MetricPoint(
                    step: statement.int(at: 0), value: statement.metricValue(at: 1),
                    wallTime: Date(timeIntervalSince1970: statement.double(at: 2))))
        }
        return points
    }

    /// Every stored point of one metric of one run as (step, value), by step: what a chart draws.
    /// Leaving the wall times out reads a 100,000-point history about a fifth faster.
    public func metricCurve(runID: Int64, key: String) throws -> [(step: Int, value: Double)] {
        guard let keyID = try metricKeyID(key, create: false) else { return [] }
        if database.dialect == .postgresql {
            let (steps, values, _) = try metricArrays(runID: runID, keyID: keyID, withWallTime: false)
            return steps.indices.map { (Int(steps[$0]), values[$0]) }
        }
        let statement = try database.cachedStatement(
            sql: "SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, seq")
        try statement.bind(runID, at: 1)
        try statement.bind(keyID, at: 2)
        defer { statement.reset() }
        var points: [(step: Int, value: Double)] = []
        while try statement.step() { points.append((statement.int(at: 0), statement.metricValue(at: 1))) }
        return points
    }

    /// PostgreSQL: one curve as rows of arrays, by `nnreg_metric_arrays` (migrations 0006, 0007):
    /// the points stored as rows (in the index's step order), then each chunk of arrays in step order.
    private func metricArrays(runID: Int64, keyID: Int64, withWallTime: Bool) throws -> ([Int64], [Double], [Double]) {
        let statement = try database.cachedStatement(
            sql: "SELECT * FROM nnreg_metric_arrays(?::bigint, ?::bigint, ?::bigint <> 0)") as! PostgreSQLStatement
        try statement.bind(runID, at: 1)
        try statement.bind(keyID, at: 2)
        try statement.bind(withWallTime ? 1 : 0, at: 3)
        defer { statement.reset() }
        return try joinedArrays(statement, withWallTime: withWallTime)
    }

    /// PostgreSQL: the rows of (steps, values, wall times) arrays a statement gives, joined in step
    /// order. PostgreSQL does not promise the order of aggregated rows, and rows may fall between
    /// chunks, so the joined steps are checked, and the points sorted should they not ascend.
    func joinedArrays(_ statement: PostgreSQLStatement, withWallTime: Bool) throws -> ([Int64], [Double], [Double]) {
        var steps: [Int64] = [], values: [Double] = [], wallTimes: [Double] = []
        while try statement.step() {
            let (someSteps, someValues, someTimes) = (statement.integers(at: 0), statement.reals(at: 1), statement.reals(at: 2))
            guard someSteps.count == someValues.count, !withWallTime || someTimes.count == someSteps.count else {
                throw StoreError.internalError("metric arrays of unequal length")
            }
            if steps.isEmpty { (steps, values, wallTimes) = (someSteps, someValues, someTimes); continue }
            steps += someSteps
            values += someValues
            wallTimes += someTimes
        }
        if !zip(steps, steps.dropFirst()).allSatisfy({ $0 <= $1 }) {
            let order = steps.indices.sorted { (steps[$0], $0) < (steps[$1], $1) }
            steps = order.map { steps[$0] }
            values = order.map { values[$0] }
            if withWallTime { wallTimes = order.map { wallTimes[$0] } }
        }
        return (steps, values, wallTimes)
    }

    /// The curves of several metrics of one run, as `metricCurve` reads them; on a store file with
    /// more than one long curve, each curve after the first is read at the same time on a read-only
    /// connection of its own (a run page's 100,000-point loss and accuracy in about half the time on
    /// two cores). Each curve is one consistent read.
    public func metricCurves(runID: Int64, keys: [String]) throws -> [[(step: Int, value: Double)]] {
        // Steps are distinct integers from 0, so a curve whose latest step is below 20,000 has fewer
        // points than that: not worth a connection of its own.
        let latest = try database.cachedStatement(sql: "SELECT step FROM metric_latest WHERE run_id = ? AND key_id = ?")
        let isLong = try keys.map { key -> Bool in
            guard let keyID = try metricKeyID(key, create: false) else { return false }
            try latest.bind(runID, at: 1)
            try latest.bind(keyID, at: 2)
            defer { latest.reset() }
            return try latest.step() && latest.int(at: 0) >= 20_000
        }
        let path = self.path
        // A PostgreSQL server sends a curve as fast as one connection takes it: read them in turn.
        guard isLong.filter({ $0 }).count > 1, database.dialect == .sqlite, !path.isEmpty, path != ":memory:" else {
            return try keys.map { try metricCurve(runID: runID, key: $0) }
        }
        let others = keys.dropFirst().map { key in ParallelRead(path: path) { try $0.metricCurve(runID: runID, key: key) } }
        let first = Result { try metricCurve(runID: runID, key: keys[0]) }
        return try [first.get()] + others.map { try $0.wait() }
    }

    /// The names of the metrics a run has points for.
    public func metricKeys(runID: Int64) throws -> [String] {
        let statement = try database.cachedStatement(
            sql: """
                SELECT k.key FROM metric_keys k
                WHERE EXISTS (SELECT 1 FROM metric_points m WHERE m.run_id = ? AND m.key_id = k.id)
                ORDER BY k.key
                """)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var keys: [String] = []
        while try statement.step() { keys.append(statement.string(at: 0)) }
        return keys
    }
}

/// One point as the `metrics` table holds it (its run aside).
struct MetricRow {
    var keyID: Int64
    var step: Int64
    var seq: Int64
    var value: Double
    var wallTime: Double
}
