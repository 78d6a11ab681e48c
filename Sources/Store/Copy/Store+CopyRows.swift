import Foundation

/// The rows of one run, read from this store page by page (shared by the copy and by
/// `contentDigest`) and written into another: each read is a query of its own with a keyset bound
/// and a LIMIT, so no statement stays open while the other store is written and no backend has to
/// hold more than a page; blobs and output chunks one at a time. SQL for SQLite and PostgreSQL alike,
/// as in Store+Copy.swift.
extension Store {
    /// The run's metric keys as (id here, name), sorted by name in Swift (the same order in any store).
    func metricKeysWithIDs(runID: Int64) throws -> [(id: Int64, key: String)] {
        let statement = try database.cachedStatement(
            sql: """
                SELECT k.id, k.key FROM metric_keys k
                WHERE EXISTS (SELECT 1 FROM metric_points m WHERE m.run_id = ? AND m.key_id = k.id)
                """)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var keys: [(id: Int64, key: String)] = []
        while try statement.step() { keys.append((statement.int64(at: 0), statement.string(at: 1))) }
        return keys.sorted { $0.key < $1.key }
    }

    /// One page of points of one metric, in (step, seq) order: several points may share a step
    /// (MLflow keeps every one), told apart by `seqs`.
    struct MetricPage {
        var steps: [Int64] = []
        var seqs: [Int64] = []
        var values: [Double] = []
        var wallTimes: [Double] = []

        var count: Int { steps.count }

        mutating func removeAll() {
            steps.removeAll(keepingCapacity: true)
            seqs.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            wallTimes.removeAll(keepingCapacity: true)
        }
    }

    /// Calls `body` with each page of up to `limit` points of one metric of a run, by (step, seq),
    /// in buffers reused from page to page. Each page is its own query (`(step, seq) >= ?` from the
    /// point after the last one on), so no statement stays open while `body` writes elsewhere, no
    /// backend has to hold more than a page, and points of one step are neither split nor merged.
    func forEachMetricPage(runID: Int64, keyID: Int64, limit: Int, _ body: (MetricPage) throws -> Void) throws {
        if database.dialect == .postgresql { return try forEachMetricArrayPage(runID: runID, keyID: keyID, limit: limit, body) }
        let statement = try database.cachedStatement(
            sql: """
                SELECT step, seq, value, wall_time FROM metrics
                WHERE run_id = ?1 AND key_id = ?2 AND (step, seq) >= (?3, ?4) ORDER BY step, seq LIMIT ?5
                """)
        var page = MetricPage()
        page.steps.reserveCapacity(limit)
        page.seqs.reserveCapacity(limit)
        page.values.reserveCapacity(limit)
        page.wallTimes.reserveCapacity(limit)
        var from = (step: Int64.min, seq: Int64.min)
        while true {
            page.removeAll()
            try statement.bind(runID, at: 1)
            try statement.bind(keyID, at: 2)
            try statement.bind(from.step, at: 3)
            try statement.bind(from.seq, at: 4)
            try statement.bind(limit, at: 5)
            while try statement.step() {
                page.steps.append(statement.int64(at: 0))
                page.seqs.append(statement.int64(at: 1))
                page.values.append(statement.metricValue(at: 2))  // NULL is NaN
                page.wallTimes.append(statement.double(at: 3))
            }
            statement.reset()
            guard let last = page.steps.last else { return }
            try body(page)
            guard page.count == limit, page.seqs[page.count - 1] < Int64.max else { return }
            from = (last, page.seqs[page.count - 1] + 1)
        }
    }

    /// PostgreSQL: `forEachMetricPage` with each page from `nnreg_metric_page` (migrations 0007,
    /// 0008): the first `limit` points among the rows and among the chunks of arrays (all of seq 0),
    /// joined here.
    private func forEachMetricArrayPage(runID: Int64, keyID: Int64, limit: Int, _ body: (MetricPage) throws -> Void) throws {
        let statement = try database.cachedStatement(
            sql: "SELECT * FROM nnreg_metric_page(?1, ?2, ?3, ?4, ?5::integer)") as! PostgreSQLStatement
        var from = (step: Int64.min, seq: Int64.min)
        while true {
            try statement.bind(runID, at: 1)
            try statement.bind(keyID, at: 2)
            try statement.bind(from.step, at: 3)
            try statement.bind(from.seq, at: 4)
            try statement.bind(min(limit, Int(Int32.max)), at: 5)
            var page = MetricPage()
            while try statement.step() {
                let steps = statement.integers(at: 0), seqs = statement.integers(at: 1)
                let values = statement.reals(at: 2), wallTimes = statement.reals(at: 3)
                guard seqs.count == steps.count, values.count == steps.count, wallTimes.count == steps.count else {
                    statement.reset()
                    throw StoreError.internalError("metric arrays of unequal length")
                }
                page.steps += steps
                page.seqs += seqs
                page.values += values
                page.wallTimes += wallTimes
            }
            statement.reset()
            // Rows and chunks never share a step, but their pages come one after the other.
            let indices = page.steps.indices
            if !zip(indices, indices.dropFirst()).allSatisfy({ (page.steps[$0], page.seqs[$0]) <= (page.steps[$1], page.seqs[$1]) }) {
                let order = indices.sorted { (page.steps[$0], page.seqs[$0]) < (page.steps[$1], page.seqs[$1]) }
                page = MetricPage(
                    steps: order.map { page.steps[$0] }, seqs: order.map { page.seqs[$0] },
                    values: order.map { page.values[$0] }, wallTimes: order.map { page.wallTimes[$0] })
            }
            if let first = page.steps.first, (first, page.seqs[0]) < from {
                throw StoreError.internalError("a page of metric points before its first point")
            }
            if page.count > limit {
                page.steps.removeLast(page.count - limit)
                page.seqs.removeLast(page.seqs.count - limit)
                page.values.removeLast(page.values.count - limit)
                page.wallTimes.removeLast(page.wallTimes.count - limit)
            }
            guard let last = page.steps.last else { return }
            try body(page)
            guard page.count == limit, page.seqs[page.count - 1] < Int64.max else { return }
            from = (last, page.seqs[page.count - 1] + 1)
        }
    }

    /// Copies every point of the run, key by key in pages, each with its seq, and each key's latest
    /// point; returns the count.
    func copyMetrics(of sourceRunID: Int64, into runID: Int64, at destination: Store, batchSize: Int) throws -> Int {
        let latest = try destination.database.cachedStatement(
            sql: "INSERT INTO metric_latest (run_id, key_id, step, value) VALUES (?, ?, ?, ?)")
        let repeatsSteps = try database.cachedStatement(
            sql: "SELECT EXISTS (SELECT 1 FROM metrics WHERE run_id = ? AND key_id = ? AND seq <> 0)")
        var points = 0
        for (sourceKeyID, key) in try metricKeysWithIDs(runID: sourceRunID) {
            guard let keyID = try destination.metricKeyID(key) else { continue }
            // PostgreSQL stores points as its bulk path does (chunks of arrays; the run is new there),
            // unless some step holds several points: chunks hold one point per step (seq 0).
            var asArrays = false
            if destination.database.dialect == .postgresql {
                try repeatsSteps.bind(sourceRunID, at: 1)
                try repeatsSteps.bind(sourceKeyID, at: 2)
                asArrays = try repeatsSteps.step() && repeatsSteps.int(at: 0) == 0
                repeatsSteps.reset()
            }
            var last: (step: Int64, value: Double)?
            try forEachMetricPage(runID: sourceRunID, keyID: sourceKeyID, limit: batchSize) { page in
                points += page.count
                last = (page.steps[page.count - 1], page.values[page.count - 1])
                if asArrays {
                    return try destination.insertMetricArrays(runID: runID, rows: page.steps.indices.map { row in
                        (keyID, MetricSample(key: key, step: Int(page.steps[row]), value: page.values[row],
                                             wallTime: Date(timeIntervalSince1970: page.wallTimes[row])))
                    })
                }
                try destination.insertMetricRows(runID: runID, page.steps.indices.map { row in
                    MetricRow(keyID: keyID, step: page.steps[row], seq: page.seqs[row], value: page.values[row], wallTime: page.wallTimes[row])
                })
            }
            if let last {
                try latest.bind(runID, at: 1)
                try latest.bind(keyID, at: 2)
                try latest.bind(last.step, at: 3)
                try latest.bind(last.value, at: 4)
                try latest.execute()
            }
        }
        return points
    }

    /// Copies the blob `sha256` to `destination` unless it is there already: read (one blob in
    /// memory, the backend's own buffer), re-hashed, checked against its key and `size`, and only
    /// then written. Returns the bytes written. Throws `corruptSourceBlob` naming `item` of `run`.
    func copyBlob(sha256: String, size: Int, to destination: Store, run: String, item: @autoclosure () -> String) throws -> Int {
        let present = try destination.database.cachedStatement(sql: "SELECT size FROM blobs WHERE sha256 = ?")
        try present.bind(sha256, at: 1)
        let isPresent = try present.step()
        present.reset()
        if isPresent { return 0 }
        let read = try database.cachedStatement(sql: "SELECT size, data FROM blobs WHERE sha256 = ?")
        try read.bind(sha256, at: 1)
        defer { read.reset() }
        guard try read.step() else {
            throw StoreError.corruptSourceBlob(run: run, item: item(), sha256: sha256, actualSHA256: nil)
        }
        let recordedSize = read.int(at: 0)
        return try read.withBlob(at: 1) { bytes in
            let actual = Self.sha256(bytes)
            guard actual == sha256, bytes.count == size, bytes.count == recordedSize else {
                let sizes = bytes.count == size && bytes.count == recordedSize ? "" : " (\(bytes.count) bytes, recorded \(size))"
                throw StoreError.corruptSourceBlob(run: run, item: item(), sha256: sha256, actualSHA256: actual + sizes)
            }
            let insert = try destination.database.cachedStatement(
                sql: "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
            try insert.bind(sha256, at: 1)
            try insert.bind(bytes.count, at: 2)
            try insert.bindNoCopy(bytes, at: 3)
            try insert.execute()  // steps and resets while the source's buffer is alive
            return bytes.count
        }
    }

    /// A checkpoint row as stored, times kept as the REAL they are.
    struct CheckpointRow {
        let id: Int64
        let step: Int64
        let createdAt: Double
        let weightsSize: Int
        let weightsSHA256: String
        let trainerStateSize: Int
        let trainerStateSHA256: String
    }

    /// Calls `body` with each page of up to `limit` checkpoint rows of a run, by step.
    func forEachCheckpointPage(runID: Int64, limit: Int, _ body: ([CheckpointRow]) throws -> Void) throws {
        let page = try database.cachedStatement(
            sql: """
                SELECT id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256
                FROM checkpoints WHERE run_id = ? AND step >= ? ORDER BY step LIMIT ?
                """)
        var from = Int64.min
        while true {
            try page.bind(runID, at: 1)
            try page.bind(from, at: 2)
            try page.bind(limit, at: 3)
            var rows: [CheckpointRow] = []
            while try page.step() {
                rows.append(CheckpointRow(
                    id: page.int64(at: 0), step: page.int64(at: 1), createdAt: page.double(at: 2), weightsSize: page.int(at: 3),
                    weightsSHA256: page.string(at: 4), trainerStateSize: page.int(at: 5), trainerStateSHA256: page.string(at: 6)))
            }
            page.reset()
            guard let last = rows.last else { return }
            try body(rows)
            guard rows.count == limit, last.step < Int64.max else { return }
            from = last.step + 1
        }
    }

    /// Copies the run's checkpoints with their blobs; returns source checkpoint id → destination id.
    func copyCheckpoints(
        of candidate: CopyCandidate, into runID: Int64, at destination: Store, blobBytes: inout Int
    ) throws -> [Int64: Int64] {
        let insert = try destination.database.cachedStatement(
            sql: """
                INSERT INTO checkpoints (run_id, step, created_at, weights_size, weights_sha256, trainer_state_size,
                    trainer_state_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                """)
        var ids: [Int64: Int64] = [:]
        let label = "\(candidate.id) \(candidate.name)"
        try forEachCheckpointPage(runID: candidate.id, limit: 1_000) { rows in
            for row in rows {
                blobBytes += try copyBlob(
                    sha256: row.weightsSHA256, size: row.weightsSize, to: destination, run: label,
                    item: "the weights of its checkpoint at step \(row.step)")
                blobBytes += try copyBlob(
                    sha256: row.trainerStateSHA256, size: row.trainerStateSize, to: destination, run: label,
                    item: "the trainer state of its checkpoint at step \(row.step)")
                try insert.bind(runID, at: 1)
                try insert.bind(row.step, at: 2)
                try insert.bind(row.createdAt, at: 3)
                try insert.bind(row.weightsSize, at: 4)
                try insert.bind(row.weightsSHA256, at: 5)
                try insert.bind(row.trainerStateSize, at: 6)
                try insert.bind(row.trainerStateSHA256, at: 7)
                ids[row.id] = try destination.insertedID(insert)
            }
        }
        return ids
    }

    /// The evaluation columns copied as they are (`checkpoint_id` is mapped; `run_id` is the copy's).
    static let copiedEvaluationColumns = [
        "step", "weights_sha256", "dataset_name", "dataset_sha256", "split", "accuracy", "loss", "per_class",
        "confusion", "created_at",
    ]

    /// Calls `body` with each page of up to `limit` evaluations of a run, by id (the order they were
    /// recorded in, which a copy keeps): (id, checkpoint id, `copiedEvaluationColumns`).
    func forEachEvaluationPage(
        runID: Int64, limit: Int, _ body: ([(id: Int64, checkpointID: Int64?, columns: [ColumnValue])]) throws -> Void
    ) throws {
        let columns = Self.copiedEvaluationColumns
        let page = try database.cachedStatement(
            sql: "SELECT id, checkpoint_id, \(columns.joined(separator: ", ")) FROM evaluations "
                + "WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?")
        var after = Int64.min
        while true {
            try page.bind(runID, at: 1)
            try page.bind(after, at: 2)
            try page.bind(limit, at: 3)
            var rows: [(id: Int64, checkpointID: Int64?, columns: [ColumnValue])] = []
            while try page.step() {
                rows.append((page.int64(at: 0), page.optionalInt64(at: 1), ColumnValue.row(page, from: 2, count: columns.count)))
            }
            page.reset()
            guard let last = rows.last else { return }
            try body(rows)
            guard rows.count == limit else { return }
            after = last.id
        }
    }

    /// Copies the run's evaluations in the order they were recorded, each naming the copy of its checkpoint.
    func copyEvaluations(
        of sourceRunID: Int64, into runID: Int64, at destination: Store, checkpointIDs: [Int64: Int64], batchSize: Int
    ) throws {
        let columns = Self.copiedEvaluationColumns
        let insert = try destination.database.cachedStatement(
            sql: "INSERT INTO evaluations (run_id, checkpoint_id, \(columns.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: columns.count + 2).joined(separator: ", ") + ")")
        try forEachEvaluationPage(runID: sourceRunID, limit: min(batchSize, 10_000)) { rows in
            for row in rows {
                try insert.bind(runID, at: 1)
                try insert.bind(row.checkpointID.flatMap { checkpointIDs[$0] }, at: 2)
                for (index, value) in row.columns.enumerated() { try value.bind(to: insert, at: Int32(index + 3)) }
                try insert.execute()
            }
        }
    }

    /// Calls `body` with each output chunk of a run in order (seq, raw size, stored bytes), one chunk
    /// read at a time; the bytes are the backend's buffer, valid during the call.
    func forEachOutputChunk(runID: Int64, _ body: (Int64, Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        let read = try database.cachedStatement(
            sql: "SELECT seq, raw_size, data FROM run_output WHERE run_id = ? AND seq >= ? ORDER BY seq LIMIT 1")
        var from: Int64 = 0
        while true {
            try read.bind(runID, at: 1)
            try read.bind(from, at: 2)
            defer { read.reset() }
            guard try read.step() else { return }
            let seq = read.int64(at: 0)
            try read.withBlob(at: 2) { try body(seq, read.int64(at: 1), $0) }
            from = seq + 1
        }
    }

    /// Copies the run's output chunks as stored (compressed), one at a time.
    func copyOutput(of sourceRunID: Int64, into runID: Int64, at destination: Store) throws {
        let insert = try destination.database.cachedStatement(
            sql: "INSERT INTO run_output (run_id, seq, raw_size, data) VALUES (?, ?, ?, ?)")
        try forEachOutputChunk(runID: sourceRunID) { seq, rawSize, bytes in
            try insert.bind(runID, at: 1)
            try insert.bind(seq, at: 2)
            try insert.bind(rawSize, at: 3)
            try insert.bindNoCopy(bytes, at: 4)
            try insert.execute()
        }
    }

    /// The run's artifact rows (name, sha256, size, created_at as stored), sorted by name in Swift.
    func artifactRows(runID: Int64) throws -> [(name: String, sha256: String, size: Int, createdAt: Double)] {
        let statement = try database.cachedStatement(
            sql: "SELECT name, sha256, size, created_at FROM artifacts WHERE run_id = ?")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var rows: [(name: String, sha256: String, size: Int, createdAt: Double)] = []
        while try statement.step() {
            rows.append((statement.string(at: 0), statement.string(at: 1), statement.int(at: 2), statement.double(at: 3)))
        }
        return rows.sorted { $0.name < $1.name }
    }

    /// Copies the run's artifacts with their blobs.
    func copyArtifacts(of candidate: CopyCandidate, into runID: Int64, at destination: Store, blobBytes: inout Int) throws {
        let insert = try destination.database.cachedStatement(
            sql: "INSERT INTO artifacts (run_id, name, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)")
        for artifact in try artifactRows(runID: candidate.id) {
            blobBytes += try copyBlob(
                sha256: artifact.sha256, size: artifact.size, to: destination, run: "\(candidate.id) \(candidate.name)",
                item: "its artifact '\(artifact.name)'")
            try insert.bind(runID, at: 1)
            try insert.bind(artifact.name, at: 2)
            try insert.bind(artifact.sha256, at: 3)
            try insert.bind(artifact.size, at: 4)
            try insert.bind(artifact.createdAt, at: 5)
            try insert.execute()
        }
    }
}
