import Foundation

/// One thing wrong with a store, found by `Store.check()`.
public struct StoreProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `integrity`, `foreign_key`, `orphaned_metrics`, `unknown_metric_key`, `corrupt_blob`, `size_mismatch`,
    /// `missing_final_checkpoint` (of a run nnreg trained), `missing_artifact_blob`; `stale_latest_metric`
    /// and `stale_test_accuracy` (the summaries `listRuns` reads).
    public let kind: String
    public let detail: String

    public var description: String { "\(kind): \(detail)" }
}

/// What `Store.check()` looked at, for a one-line verdict.
public struct StoreCheckReport: Sendable, Equatable, Codable {
    public let runs: Int
    public let metricPoints: Int
    public let checkpoints: Int
    public let blobBytes: Int
    public let problems: [StoreProblem]
    public var isHealthy: Bool { problems.isEmpty }
}

extension Store {
    /// Reads the whole store and reports every problem: SQLite's `integrity_check` and
    /// `foreign_key_check` (on a SQLite store), metric points of runs or keys that do not exist, every checkpoint blob
    /// against its SHA-256 and recorded size, finished runs without their final checkpoint, and
    /// `metric_latest` rows or `runs.test_accuracy` values that disagree with the tables they summarise.
    /// Writes nothing.
    public func check() throws -> StoreCheckReport {
        var problems: [StoreProblem] = []
        // PostgreSQL checks its own pages and always enforces foreign keys; SQLite is asked.
        if database.dialect == .sqlite {
            let integrity = try database.makeStatement(sql: "PRAGMA integrity_check")
            while try integrity.step() {
                let line = integrity.string(at: 0)
                if line != "ok" { problems.append(StoreProblem(kind: "integrity", detail: line)) }
            }
            let foreignKeys = try database.makeStatement(sql: "PRAGMA foreign_key_check")
            while try foreignKeys.step() {
                problems.append(StoreProblem(
                    kind: "foreign_key",
                    detail: "\(foreignKeys.string(at: 0)) row \(foreignKeys.int64(at: 1)) points at a missing \(foreignKeys.string(at: 2)) row"))
            }
        }
        let orphans = try database.makeStatement(sql: """
            SELECT run_id, count(*) FROM metric_points WHERE run_id NOT IN (SELECT id FROM runs) GROUP BY run_id
            """)
        while try orphans.step() {
            problems.append(StoreProblem(
                kind: "orphaned_metrics", detail: "\(orphans.int64(at: 1)) metric points belong to missing run \(orphans.int64(at: 0))"))
        }
        let unknownKeys = try database.makeStatement(sql: """
            SELECT key_id, count(*) FROM metric_points WHERE key_id NOT IN (SELECT id FROM metric_keys) GROUP BY key_id
            """)
        while try unknownKeys.step() {
            problems.append(StoreProblem(
                kind: "unknown_metric_key", detail: "\(unknownKeys.int64(at: 1)) metric points use missing key id \(unknownKeys.int64(at: 0))"))
        }
        for stale in try staleLatestMetrics() {
            func point(_ point: (step: Int, value: Double)?) -> String { point.map { "step \($0.step) value \($0.value)" } ?? "none" }
            problems.append(StoreProblem(
                kind: "stale_latest_metric",
                detail: "run \(stale.runID) metric \(stale.key): latest point is \(point(stale.expected)) but metric_latest holds \(point(stale.stored))"))
        }
        for stale in try staleTestAccuracies() {
            problems.append(StoreProblem(
                kind: "stale_test_accuracy",
                detail: "run \(stale.runID) shows test accuracy \(stale.stored.map { "\($0)" } ?? "none") but its evaluations say \(stale.expected.map { "\($0)" } ?? "none")"))
        }
        for blob in try verifyAllBlobs() {
            problems.append(StoreProblem(
                kind: "corrupt_blob",
                detail: "checkpoint of run \(blob.runID) at step \(blob.step): \(blob.column) is missing or does not match its SHA-256"))
        }
        let sizes = try database.makeStatement(sql: """
            SELECT c.run_id, c.step FROM checkpoints c
            WHERE c.weights_size != (SELECT size FROM blobs WHERE sha256 = c.weights_sha256)
               OR c.trainer_state_size != (SELECT size FROM blobs WHERE sha256 = c.trainer_state_sha256)
            """)
        while try sizes.step() {
            problems.append(StoreProblem(
                kind: "size_mismatch", detail: "checkpoint of run \(sizes.int64(at: 0)) at step \(sizes.int64(at: 1)) has a blob of the wrong size"))
        }
        let unfinished = try database.makeStatement(sql: """
            SELECT id, name, steps_done FROM runs r WHERE status = 'finished' AND target_steps > 0
              AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.run_id = r.id AND c.step = r.steps_done)
            """)
        while try unfinished.step() {
            problems.append(StoreProblem(
                kind: "missing_final_checkpoint",
                detail: "run \(unfinished.int64(at: 0)) \(unfinished.string(at: 1)) is finished but has no checkpoint at step \(unfinished.int64(at: 2))"))
        }
        // The registry: every version names the weights of the checkpoint it points at, and every
        // blob is named by a checkpoint (after `gc`).
        let versions = try database.makeStatement(sql: """
            SELECT m.name, v.version, v.weights_sha256, c.weights_sha256 FROM model_versions v
            JOIN models m ON m.id = v.model_id LEFT JOIN checkpoints c ON c.id = v.checkpoint_id
            WHERE c.weights_sha256 IS DISTINCT FROM v.weights_sha256
            """)
        while try versions.step() {
            problems.append(StoreProblem(
                kind: "model_version_mismatch",
                detail: "model \(versions.string(at: 0)):v\(versions.int64(at: 1)) records weights \(versions.string(at: 2).prefix(12))… but its checkpoint holds \(versions.optionalString(at: 3)?.prefix(12) ?? "nothing")"))
        }
        let corruptVersions = try database.makeStatement(sql: """
            SELECT m.name, v.version FROM model_versions v JOIN models m ON m.id = v.model_id
            JOIN checkpoints c ON c.id = v.checkpoint_id WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = c.weights_sha256)
            """)
        while try corruptVersions.step() {
            problems.append(StoreProblem(
                kind: "model_version_missing_blob",
                detail: "model \(corruptVersions.string(at: 0)):v\(corruptVersions.int64(at: 1)) points at weights that are not stored"))
        }
        let lostArtifacts = try database.makeStatement(sql: """
            SELECT 'run ' || a.run_id, a.name FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256)
                AND (NOT EXISTS (SELECT 1 FROM artifact_pieces p WHERE p.sha256 = a.sha256)
                     OR EXISTS (SELECT 1 FROM artifact_pieces p WHERE p.sha256 = a.sha256
                                AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = p.piece_sha256)))
            UNION ALL
            SELECT 'logged model ' || a.model_id, a.name FROM logged_model_artifacts a WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256)
                AND (NOT EXISTS (SELECT 1 FROM artifact_pieces p WHERE p.sha256 = a.sha256)
                     OR EXISTS (SELECT 1 FROM artifact_pieces p WHERE p.sha256 = a.sha256
                                AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = p.piece_sha256)))
            """)
        while try lostArtifacts.step() {
            problems.append(StoreProblem(
                kind: "missing_artifact_blob",
                detail: "artifact '\(lostArtifacts.string(at: 1))' of \(lostArtifacts.string(at: 0)) has lost its bytes"))
        }
        let unreferenced = try database.makeStatement(sql: "SELECT count(*), coalesce(sum(size), 0) \(Self.unreferencedBlobs)")
        if try unreferenced.step(), unreferenced.int64(at: 0) > 0 {
            problems.append(StoreProblem(
                kind: "unreferenced_blob",
                detail: "\(unreferenced.int64(at: 0)) blobs (\(unreferenced.int64(at: 1)) bytes) belong to no checkpoint or artifact; 'nnreg gc' removes them"))
        }
        func count(_ sql: String) throws -> Int { Int(try database.int64(sql: sql) ?? 0) }
        return StoreCheckReport(
            runs: try count("SELECT count(*) FROM runs"), metricPoints: try count(database.dialect == .postgresql  // chunks counted, not unnested
                ? "SELECT (SELECT count(*) FROM metrics) + (SELECT coalesce(sum(point_count), 0) FROM metric_chunks)"
                : "SELECT count(*) FROM metrics"),
            checkpoints: try count("SELECT count(*) FROM checkpoints"),
            blobBytes: try count("SELECT coalesce(sum(size), 0) FROM blobs"),
            problems: problems)
    }
}
