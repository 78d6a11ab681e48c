import Foundation

extension Store {
    /// Appends points as MLflow keeps them: every point is stored, a point at a step that already has
    /// points goes after them (the step's next `seq`), and nothing is replaced. Values are any
    /// float (NaN and ±infinity included), stored exactly. One transaction; each key's latest point
    /// (for `list`) follows the highest step, of equal steps the last given.
    public func appendMetrics(runID: Int64, points: [MetricSample]) throws {
        guard !points.isEmpty else { return try requireRun(runID) }
        try inTransaction {
            var keyIDs: [String: Int64] = [:]
            for point in points where keyIDs[point.key] == nil { keyIDs[point.key] = try metricKeyID(point.key)! }
            if database.dialect == .postgresql {
                let statement = try database.cachedStatement(
                    sql: "SELECT nnreg_append_points(?1, ?2::bigint[], ?3::bigint[], ?4::float8[], ?5::float8[])")
                    as! PostgreSQLStatement
                try statement.bind(runID, at: 1)
                try statement.bind(array: .integers(points.map { keyIDs[$0.key]! }), at: 2)
                try statement.bind(array: .integers(points.map { Int64($0.step) }), at: 3)
                try statement.bind(array: .reals(points.map(\.value)), at: 4)
                try statement.bind(array: .reals(points.map { $0.wallTime.timeIntervalSince1970 }), at: 5)
                try statement.execute()
                return
            }
            try requireRun(runID)
            // A point after every stored step of its key (the usual case: training goes forward)
            // takes its seq from this batch alone; any other asks the index for its step's next seq.
            let insertAfter = try database.cachedStatement(sql: """
                INSERT INTO metrics (run_id, key_id, step, seq, value, wall_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """)
            let insertAmong = try database.cachedStatement(sql: """
                INSERT INTO metrics (run_id, key_id, step, seq, value, wall_time)
                VALUES (?1, ?2, ?3, coalesce((SELECT max(seq) + 1 FROM metrics WHERE run_id = ?1 AND key_id = ?2 AND step = ?3), 0), ?5, ?6)
                """)
            let lastStep = try database.cachedStatement(sql: "SELECT max(step) FROM metrics WHERE run_id = ? AND key_id = ?")
            var storedUpTo: [Int64: Int] = [:]
            for keyID in Set(keyIDs.values) {
                try lastStep.bind(runID, at: 1)
                try lastStep.bind(keyID, at: 2)
                storedUpTo[keyID] = try lastStep.step() ? lastStep.optionalInt(at: 0) ?? Int.min : Int.min
                lastStep.reset()
            }
            var seqs: [Int64: (step: Int, next: Int)] = [:]  // per key: the last new step in this batch, its next seq
            var latest: [Int64: MetricSample] = [:]
            for point in points {
                let keyID = keyIDs[point.key]!
                let insert: Statement
                if point.step > storedUpTo[keyID]! {
                    let seq = seqs[keyID].map { $0.step == point.step ? $0.next : 0 } ?? 0
                    if let previous = seqs[keyID], previous.step > point.step {
                        insert = insertAmong  // a new step behind another new one: ask the index
                    } else {
                        insert = insertAfter
                        try insert.bind(seq, at: 4)
                        seqs[keyID] = (point.step, seq + 1)
                    }
                } else {
                    insert = insertAmong
                }
                try insert.bind(runID, at: 1)
                try insert.bind(keyID, at: 2)
                try insert.bind(point.step, at: 3)
                try insert.bind(point.value, at: 5)
                try insert.bind(point.wallTime.timeIntervalSince1970, at: 6)
                try insert.execute()
                if let kept = latest[keyID], kept.step > point.step { continue }
                latest[keyID] = point
            }
            for (keyID, point) in latest {
                try updateLatestMetric(runID: runID, keyID: keyID, step: point.step, value: point.value)
            }
        }
    }
}
