import Foundation

/// What `Store.collectGarbage(keepLast:dryRun:)` removed (or, in a dry run, would remove).
public struct GarbageReport: Sendable, Equatable, Codable {
    /// Soft-deleted runs purged with their params, tags, metrics, checkpoints and evaluations.
    public let purgedRuns: [Int64]
    public let metricPoints: Int
    public let checkpoints: Int
    public let blobs: Int
    /// Sum of the removed blobs' sizes.
    public let blobBytes: Int
    /// Store file size (after a WAL checkpoint) before and after, including the VACUUM; equal in a dry run.
    public let fileBytesBefore: Int
    public let fileBytesAfter: Int
    public let isDryRun: Bool

    public var bytesFreed: Int { fileBytesBefore - fileBytesAfter }

    enum CodingKeys: String, CodingKey {
        case purgedRuns = "purged_runs", metricPoints = "metric_points", checkpoints, blobs, blobBytes = "blob_bytes"
        case fileBytesBefore = "file_bytes_before", fileBytesAfter = "file_bytes_after", isDryRun = "is_dry_run"
    }
}

extension Store {
    /// Soft-deletes runs: `list` hides them until `restoreRuns`, `gc` purges them. Refused, for all
    /// of them, when a model version was made from one of their checkpoints (naming the versions).
    public func deleteRuns(ids: [Int64]) throws {
        try inTransaction {
            for id in ids {
                let run = try run(id: id)
                let versions = try modelVersions(runID: id)
                if !versions.isEmpty {
                    throw StoreError.runUsedByModels(run: "\(run.id) \(run.name)", versions: versions.map(\.reference))
                }
                try database.execute(sql: "UPDATE runs SET deleted_at = \(Date().timeIntervalSince1970) WHERE id = \(id) AND deleted_at IS NULL")
            }
        }
    }

    /// The SHA-256 of every file stored as an artifact, of a run or of a logged model.
    static let artifactFiles = "SELECT sha256 FROM artifacts UNION ALL SELECT sha256 FROM logged_model_artifacts"

    /// `FROM blobs WHERE …` the blobs that no checkpoint and no artifact names.
    static let unreferencedBlobs = """
        FROM blobs WHERE sha256 NOT IN (SELECT weights_sha256 FROM checkpoints)
          AND sha256 NOT IN (SELECT trainer_state_sha256 FROM checkpoints)
          AND sha256 NOT IN (\(artifactFiles))
          AND sha256 NOT IN (SELECT p.piece_sha256 FROM artifact_pieces p WHERE p.sha256 IN (\(artifactFiles)))
        """

    /// Removes a run and everything it holds for good (its metrics, which have no foreign key,
    /// explicitly; the rest by cascade). Blobs stay until `collectGarbage`. Returns the number of
    /// metric points removed.
    @discardableResult
    public func purgeRun(id: Int64) throws -> Int {
        try inTransaction {
            try database.execute(sql: "DELETE FROM metrics WHERE run_id = \(id)")
            var points = database.changesCount
            if database.dialect == .postgresql {  // and its chunks of points (migration 0007)
                points += Int(try database.int64(sql: "SELECT coalesce(sum(point_count), 0) FROM metric_chunks WHERE run_id = \(id)") ?? 0)
                try database.execute(sql: "DELETE FROM metric_chunks WHERE run_id = \(id)")
            }
            try database.execute(sql: "DELETE FROM runs WHERE id = \(id)")
            return points
        }
    }

    /// Makes soft-deleted runs visible again.
    public func restoreRuns(ids: [Int64]) throws {
        try inTransaction {
            for id in ids {
                _ = try run(id: id)
                try database.execute(sql: "UPDATE runs SET deleted_at = NULL WHERE id = \(id)")
            }
        }
    }

    /// Purges soft-deleted runs; with `keepLast`, also drops all but the last K checkpoints of each
    /// run, never one that a model version uses, a run's latest, or the fork point of another run
    /// (evaluations stay, without their checkpoint); then removes blobs nothing names and VACUUMs
    /// the file so the space goes back to the file system. A dry run does the same inside a
    /// transaction it rolls back, so its counts are exact and nothing changes.
    public func collectGarbage(keepLast: Int? = nil, dryRun: Bool = false) throws -> GarbageReport {
        struct DryRun: Error { let report: GarbageReport }
        let before = try fileSizeAfterCheckpoint()
        do {
            let report = try inTransaction { () throws -> GarbageReport in
                let purged = try idList("SELECT id FROM runs WHERE deleted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.run_id = runs.id) ORDER BY id")
                var metricPoints = 0, checkpoints = 0
                for id in purged {
                    checkpoints += Int(try database.int64(sql: "SELECT count(*) FROM checkpoints WHERE run_id = \(id)") ?? 0)
                    metricPoints += try purgeRun(id: id)
                }
                if let keepLast {
                    try database.execute(sql: """
                        DELETE FROM checkpoints WHERE id IN (
                            SELECT c.id FROM (
                                SELECT id, run_id, step,
                                    row_number() OVER (PARTITION BY run_id ORDER BY step DESC) AS rank
                                FROM checkpoints) c
                            WHERE c.rank > \(max(keepLast, 1))
                              AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.checkpoint_id = c.id)
                              AND NOT EXISTS (SELECT 1 FROM runs f WHERE f.parent_run_id = c.run_id AND f.parent_step = c.step))
                        """)
                    checkpoints += database.changesCount
                }
                try database.execute(sql: "DELETE FROM artifact_pieces WHERE sha256 NOT IN (\(Self.artifactFiles))")
                let orphans = Self.unreferencedBlobs
                let blobCount = Int(try database.int64(sql: "SELECT count(*) \(orphans)") ?? 0)
                let blobBytes = Int(try database.int64(sql: "SELECT coalesce(sum(size), 0) \(orphans)") ?? 0)
                try database.execute(sql: "DELETE \(orphans)")
                let report = GarbageReport(
                    purgedRuns: purged, metricPoints: metricPoints, checkpoints: checkpoints, blobs: blobCount,
                    blobBytes: blobBytes, fileBytesBefore: before, fileBytesAfter: before, isDryRun: dryRun)
                if dryRun { throw DryRun(report: report) }
                return report
            }
            // PostgreSQL's VACUUM FULL rewrites the tables as SQLite's VACUUM rewrites the file.
            try database.execute(sql: database.dialect == .sqlite ? "VACUUM" : "VACUUM FULL")
            let after = try fileSizeAfterCheckpoint()
            return GarbageReport(
                purgedRuns: report.purgedRuns, metricPoints: report.metricPoints, checkpoints: report.checkpoints,
                blobs: report.blobs, blobBytes: report.blobBytes, fileBytesBefore: before, fileBytesAfter: after,
                isDryRun: false)
        } catch let dry as DryRun {
            return dry.report
        } catch let error as SQLiteError {
            throw Self.translateWrite(error, path: path)
        }
    }

    /// The bytes the store takes: the file's pages, or the database's size on the PostgreSQL server.
    public func databaseSize() throws -> Int {
        if database.dialect == .postgresql {
            return Int(try database.int64(sql: "SELECT pg_database_size(current_database())") ?? 0)
        }
        return Int(try database.int64(sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0)
    }

    /// Moves the WAL's pages into the file and truncates the WAL, then returns the file's size
    /// (on PostgreSQL, the database's size on the server).
    func fileSizeAfterCheckpoint() throws -> Int {
        if database.dialect == .postgresql { return try databaseSize() }
        try database.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        return size ?? 0
    }

    private func idList(_ sql: String) throws -> [Int64] {
        let statement = try database.makeStatement(sql: sql)
        var ids: [Int64] = []
        while try statement.step() { ids.append(statement.int64(at: 0)) }
        return ids
    }
}
