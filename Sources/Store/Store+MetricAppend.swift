import Foundation

extension Store {
    /// Appends points as MLflow keeps them: every point is stored, a point at a step that already has
    /// points goes after them (the step's next `seq`), and nothing is replaced. Values are any
    /// float (NaN and ±infinity included), stored exactly. One transaction; each key's latest point
    /// (for `list`) follows the highest step, of equal steps the last given.
    public func appendMetrics(runID: Int64, points: [MetricSample]) throws {
        guard !points.isEmpty else { return try requireRun(runID) }
        try inTransaction {
            // Each key once: its id and a small index for the per-key state below (points come in
            // runs of one key, so most points compare with the last key and hash nothing).
            var keys: [Int64] = [], indexOfKey: [String: Int] = [:]
            var pointKeys: [Int] = []
            pointKeys.reserveCapacity(points.count)
            var lastKey: (name: String, index: Int)?
            for point in points {
                if let lastKey, lastKey.name == point.key { pointKeys.append(lastKey.index); continue }
                let index = indexOfKey[point.key] ?? keys.count
                if index == keys.count {
                    keys.append(try metricKeyID(point.key)!)
                    indexOfKey[point.key] = index
                }
                pointKeys.append(index)
                lastKey = (point.key, index)
            }
            if database.dialect == .postgresql {
                let statement = try database.cachedStatement(
                    sql: "SELECT nnreg_append_points(?1, ?2::bigint[], ?3::bigint[], ?4::float8[], ?5::float8[])")
                    as! PostgreSQLStatement
                try statement.bind(runID, at: 1)
                try statement.bind(array: .integers(pointKeys.map { keys[$0] }), at: 2)
                try statement.bind(array: .integers(points.map { Int64($0.step) }), at: 3)
                try statement.bind(array: .reals(points.map(\.value)), at: 4)
                try statement.bind(array: .reals(points.map { $0.wallTime.timeIntervalSince1970 }), at: 5)
                try statement.execute()
                return
            }
            try requireRun(runID)
            // Per key, its frontier: the last step it has points at (stored, or in this batch so far)
            // and that step's next seq. A point at or after the frontier (the usual case: training goes
            // forward, or a script without steps logs everything at step 0) takes its seq from the
            // frontier and is inserted with the others in chunks; one behind it asks the index for its
            // step's next seq, after the rows before it are in.
            let insertAmong = try database.cachedStatement(sql: """
                INSERT INTO metrics (run_id, key_id, step, seq, value, wall_time)
                VALUES (?1, ?2, ?3, coalesce((SELECT max(seq) + 1 FROM metrics WHERE run_id = ?1 AND key_id = ?2 AND step = ?3), 0), ?5, ?6)
                """)
            let lastPoint = try database.cachedStatement(
                sql: "SELECT step, seq FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step DESC, seq DESC LIMIT 1")
            var frontiers: [(step: Int, next: Int)?] = []
            for keyID in keys {
                try lastPoint.bind(runID, at: 1)
                try lastPoint.bind(keyID, at: 2)
                frontiers.append(try lastPoint.step() ? (lastPoint.int(at: 0), lastPoint.int(at: 1) + 1) : nil)
                lastPoint.reset()
            }
            var latest = [MetricSample?](repeating: nil, count: keys.count)
            var rows: [MetricRow] = []
            rows.reserveCapacity(points.count)
            for (point, key) in zip(points, pointKeys) {
                let keyID = keys[key]
                if let frontier = frontiers[key], point.step < frontier.step {
                    try insertMetricRows(runID: runID, rows)
                    rows.removeAll(keepingCapacity: true)
                    try insertAmong.bind(runID, at: 1)
                    try insertAmong.bind(keyID, at: 2)
                    try insertAmong.bind(point.step, at: 3)
                    try insertAmong.bind(point.value, at: 5)
                    try insertAmong.bind(point.wallTime.timeIntervalSince1970, at: 6)
                    try insertAmong.execute()
                } else {
                    let seq = frontiers[key].map { $0.step == point.step ? $0.next : 0 } ?? 0
                    rows.append(MetricRow(keyID: keyID, step: Int64(point.step), seq: Int64(seq), value: point.value,
                                          wallTime: point.wallTime.timeIntervalSince1970))
                    frontiers[key] = (point.step, seq + 1)
                }
                if let kept = latest[key], kept.step > point.step { continue }
                latest[key] = point
            }
            try insertMetricRows(runID: runID, rows)
            for (key, point) in latest.enumerated() {
                guard let point else { continue }
                try updateLatestMetric(runID: runID, keyID: keys[key], step: point.step, value: point.value)
            }
        }
    }
}

