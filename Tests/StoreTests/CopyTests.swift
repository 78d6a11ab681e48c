import Crypto
import Foundation
import TestSupport
import Testing

@testable import Store

/// Which backends a copy goes between.
struct CopyPair: Sendable, CustomStringConvertible {
    let source: StoreBackend
    let destination: StoreBackend
    var description: String { "\(source) → \(destination)" }

    /// SQLite → SQLite, and with a server SQLite → PostgreSQL and back.
    static let available: [CopyPair] =
        [CopyPair(source: .sqlite, destination: .sqlite)]
        + (StoreBackend.available.contains(.postgresql)
            ? [CopyPair(source: .sqlite, destination: .postgresql), CopyPair(source: .postgresql, destination: .sqlite)]
            : [])
}

/// `copyRuns` between SQLite files and PostgreSQL databases, every row compared with ids replaced
/// by what they stand for.
@Suite struct CopyTests {
    /// Two empty stores on `pair`'s backends: the source, filled by `fill`, and the destination; the
    /// folder is for files a test writes.
    func withStores<T>(_ pair: CopyPair, _ body: (Store, Store, String) throws -> T) throws -> T {
        try withTemporaryStore(on: pair.source) { source, _ in
            try withTemporaryStore(on: pair.destination) { destination, _ in
                try withTemporaryFolder { folder in try body(source, destination, folder) }
            }
        }
    }

    /// Runs of every kind, through the Store's API: `alpha` (params of the three types, tags, two
    /// metrics of 1,000 points, two checkpoints, evaluations, output, an artifact), `beta` forked from
    /// alpha@500, `gamma` a tracked program that failed, `live` still running, `gone` soft-deleted,
    /// and model `mnist` with v1 (alpha) and v2 (beta), @champion → v1, @challenger → v2.
    @discardableResult
    func fill(_ store: Store) throws -> (alpha: Run, beta: Run, gamma: Run, live: Run, gone: Run) {
        let alpha = try store.createRun(NewRun(
            name: "alpha", seed: 7, targetSteps: 1000, datasetName: "mnist", datasetSHA256: "ab", nnregVersion: "0.1.0",
            notes: "the first", params: ["batch_size": .int(256), "learning_rate": .real(0.001), "optimizer": .text("sgd")],
            tags: ["team": "core", "purpose": "copy"]))
        let start = Date(timeIntervalSince1970: 1_700_000_000.125)
        var samples: [MetricSample] = []
        for step in 1...1000 {
            let time = Double(step)
            samples.append(MetricSample(key: "loss", step: step, value: 1 / time, wallTime: start.addingTimeInterval(time / 3)))
            samples.append(MetricSample(key: "accuracy", step: step, value: Double(step % 97) / 97, wallTime: start.addingTimeInterval(time / 7)))
        }
        try store.logMetrics(runID: alpha.id, samples: samples)
        let weights500 = Data((0..<30_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let weights1000 = Data((0..<30_000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) })
        try store.saveCheckpoint(runID: alpha.id, step: 500, weights: weights500, trainerState: Data("state 500".utf8))
        try store.saveCheckpoint(runID: alpha.id, step: 1000, weights: weights1000, trainerState: Data("state 1000".utf8))
        try store.addEvaluation(NewEvaluation(
            runID: alpha.id, step: 500, datasetName: "mnist", datasetSHA256: "ab", split: "validation", accuracy: 0.5))
        try store.addEvaluation(NewEvaluation(
            runID: alpha.id, step: 1000, datasetName: "mnist", datasetSHA256: "ab", split: "test", accuracy: 0.875, loss: 0.25,
            perClassJSON: #"[{"class":0,"recall":0.5}]"#, confusionJSON: "[[1,2],[3,4]]"))
        try store.appendOutput(runID: alpha.id, bytes: Array("step: 1, loss: 1.0\n".utf8))
        try store.appendOutput(runID: alpha.id, bytes: Array(String(repeating: "step: 2, loss: 0.5\n", count: 300).utf8))
        try store.saveArtifact(runID: alpha.id, name: "plots/loss.svg", data: Data("<svg/>".utf8))
        try store.updateRun(runID: alpha.id, stepsDone: 1000)
        try store.finishRun(runID: alpha.id, status: .finished)

        let beta = try store.createRun(NewRun(
            name: "beta", seed: 7, targetSteps: 700, datasetName: "mnist", datasetSHA256: "ab", parentRunID: alpha.id,
            parentStep: 500, params: ["learning_rate": .real(0.002)]))
        try store.logMetrics(runID: beta.id, step: 600, values: [("loss", 0.01)])
        try store.saveCheckpoint(runID: beta.id, step: 500, weights: weights500, trainerState: Data("state 500".utf8))
        try store.saveCheckpoint(runID: beta.id, step: 700, weights: Data(repeating: 9, count: 20_000), trainerState: Data("b700".utf8))
        try store.updateRun(runID: beta.id, stepsDone: 700)
        try store.finishRun(runID: beta.id, status: .interrupted)

        let gamma = try store.createRun(NewRun(
            name: "gamma", targetSteps: 0, command: ["python3", "train.py", "--lr", "0.1"], workingDirectory: "/tmp/work"))
        try store.setGitState(runID: gamma.id, commit: "0123456789abcdef0123456789abcdef01234567", isDirty: true)
        try store.logMetrics(runID: gamma.id, step: 1, values: [("test_accuracy", 0.75)])
        try store.appendOutput(runID: gamma.id, bytes: Array("Test Accuracy: 0.75\n".utf8))
        try store.finishRun(runID: gamma.id, status: .failed, exitCode: 3)

        let live = try store.createRun(NewRun(name: "live", targetSteps: 10))
        try store.saveCheckpoint(runID: live.id, step: 5, weights: Data("live weights".utf8), trainerState: Data("live".utf8))
        let gone = try store.createRun(NewRun(name: "gone", targetSteps: 10))
        try store.saveCheckpoint(runID: gone.id, step: 10, weights: Data("gone weights".utf8), trainerState: Data("gone".utf8))
        try store.updateRun(runID: gone.id, stepsDone: 10)
        try store.finishRun(runID: gone.id, status: .finished)
        try store.deleteRuns(ids: [gone.id])

        try store.registerModelVersion(name: "mnist", runID: alpha.id, step: 1000, description: "first", aliases: ["champion"],
                                       tags: ["stage": "prod"])
        try store.registerModelVersion(name: "mnist", runID: beta.id, step: 700, aliases: ["challenger"])
        try store.setModelAlias(name: "mnist", alias: "champion", version: 1)
        try store.inTransaction {
            try store.database.execute(sql: "INSERT INTO model_tags (model_id, version, key, value) SELECT id, 0, 'owner', 'ml' FROM models")
        }
        return (try store.run(id: alpha.id), try store.run(id: beta.id), try store.run(id: gamma.id), try store.run(id: live.id),
                try store.run(id: gone.id))
    }

    /// Every row of every table, with ids replaced by what they stand for (a run by its uid, a metric
    /// key by its name, a checkpoint by run uid and step, a model by its name, a version by its
    /// number), values typed and exact (REALs by their bits, blobs by their SHA-256). Row lists are
    /// sorted, so two stores holding the same runs dump the same.
    static func dump(_ store: Store) throws -> [String: [String]] {
        let tables: [String: String] = [
            "runs": """
                SELECT r.uid, r.name, r.status, r.created_at, r.started_at, r.ended_at, r.heartbeat_at, r.pid, r.host, r.seed,
                    r.target_steps, r.steps_done, r.dataset_name, r.dataset_sha256, r.nnreg_version, p.uid, r.parent_step, r.notes,
                    r.deleted_at, r.test_accuracy, r.command, r.cwd, r.git_commit, r.git_dirty, r.exit_code, r.user_id,
                    (SELECT e.name FROM experiments e WHERE e.id = r.experiment_id)
                FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id
                """,
            "params": "SELECT r.uid, x.key, x.value FROM params x JOIN runs r ON r.id = x.run_id",
            "tags": "SELECT r.uid, x.key, x.value FROM tags x JOIN runs r ON r.id = x.run_id",
            "metric_keys": "SELECT key FROM metric_keys WHERE id IN (SELECT key_id FROM metric_points)",
            "metrics": "SELECT r.uid, k.key, m.step, m.seq, m.value, m.wall_time FROM metric_points m JOIN runs r ON r.id = m.run_id JOIN metric_keys k ON k.id = m.key_id",
            "metric_latest": "SELECT r.uid, k.key, m.step, m.value FROM metric_latest m JOIN runs r ON r.id = m.run_id JOIN metric_keys k ON k.id = m.key_id",
            "checkpoints": """
                SELECT r.uid, c.step, c.created_at, c.weights_size, c.weights_sha256, c.trainer_state_size, c.trainer_state_sha256
                FROM checkpoints c JOIN runs r ON r.id = c.run_id
                """,
            "blobs": "SELECT sha256, size, data FROM blobs",
            "evaluations": """
                SELECT r.uid, e.step, cr.uid, c.step, e.weights_sha256, e.dataset_name, e.dataset_sha256, e.split, e.accuracy,
                    e.loss, e.per_class, e.confusion, e.created_at
                FROM evaluations e JOIN runs r ON r.id = e.run_id LEFT JOIN checkpoints c ON c.id = e.checkpoint_id
                LEFT JOIN runs cr ON cr.id = c.run_id
                """,
            "run_output": "SELECT r.uid, o.seq, o.raw_size, o.data FROM run_output o JOIN runs r ON r.id = o.run_id",
            "artifacts": "SELECT r.uid, a.name, a.sha256, a.size, a.created_at FROM artifacts a JOIN runs r ON r.id = a.run_id",
            "models": "SELECT name, description, created_at, last_version FROM models",
            "model_versions": """
                SELECT m.name, v.version, cr.uid, c.step, r.uid, v.step, v.weights_sha256, v.dataset_name, v.dataset_sha256,
                    v.test_accuracy, v.description, v.created_at, v.created_by, v.created_host
                FROM model_versions v JOIN models m ON m.id = v.model_id JOIN checkpoints c ON c.id = v.checkpoint_id
                JOIN runs cr ON cr.id = c.run_id JOIN runs r ON r.id = v.run_id
                """,
            "model_aliases": """
                SELECT m.name, a.alias, v.version, a.updated_at FROM model_aliases a JOIN models m ON m.id = a.model_id
                JOIN model_versions v ON v.id = a.version_id
                """,
            "model_tags": "SELECT m.name, t.version, t.key, t.value FROM model_tags t JOIN models m ON m.id = t.model_id",
            "model_history": """
                SELECT model_name, action, version, alias, previous_version, detail, at, "user", host FROM model_history ORDER BY id
                """,
        ]
        var dump: [String: [String]] = [:]
        for (table, sql) in tables {
            let statement = try store.database.makeStatement(sql: sql)
            var rows: [String] = []
            while try statement.step() {
                rows.append((0..<statement.columnCount).map { column -> String in
                    // A param's value as the Store reads it (PostgreSQL keeps it as typed text).
                    if table == "params" && column == 2 { return "p\(Store.readParam(statement, at: 2))" }
                    // A point's NaN: NULL on SQLite, a NaN of any payload on PostgreSQL.
                    if table == "metrics" && column == 4 && statement.metricValue(at: 4).isNaN { return "nan" }
                    switch statement.columnType(at: column) {
                    case 1: return "i\(statement.int64(at: column))"
                    case 2: return "r\(statement.double(at: column).bitPattern)"
                    case 3: return "t'\(statement.string(at: column))'"
                    case 4: return "b" + statement.withBlob(at: column) { SHA256.hash(data: Data($0)).map { String(format: "%02x", $0) }.joined() }
                    default: return "NULL"
                    }
                }.joined(separator: "|"))
            }
            dump[table] = table == "model_history" ? rows : rows.sorted()
        }
        return dump
    }

    /// The source's dump cut to what a copy of the runs with `uids` carries: their rows, the blobs
    /// they name, the metric keys they use, and the registry entries of those runs.
    static func expected(_ dump: [String: [String]], uids: Set<String>, source: Store) throws -> [String: [String]] {
        var cut = dump
        let fields = Set(uids.map { "t'\($0)'" })  // as `dump` writes text
        func ofRuns(_ table: String) { cut[table] = dump[table]!.filter { fields.contains(String($0.split(separator: "|")[0])) } }
        for table in ["runs", "params", "tags", "metrics", "metric_latest", "checkpoints", "evaluations", "run_output", "artifacts"] {
            ofRuns(table)
        }
        var named: Set<String> = []
        var keys: Set<String> = []
        for row in cut["checkpoints"]! {
            let fields = row.split(separator: "|")
            named.insert(String(fields[4]))
            named.insert(String(fields[6]))
        }
        for row in cut["artifacts"]! { named.insert(String(row.split(separator: "|")[2])) }
        for row in cut["metrics"]! { keys.insert(String(row.split(separator: "|")[1])) }
        cut["blobs"] = dump["blobs"]!.filter { named.contains(String($0.split(separator: "|")[0])) }
        cut["metric_keys"] = dump["metric_keys"]!.filter { keys.contains($0) }
        return cut
    }

    @Test(arguments: CopyPair.available) func aCopyHoldsEveryRowOfTheRunsThatEndedAndASecondCopiesNothing(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            let report = try source.copyRuns(to: destination, batchSize: 64)
            #expect(report.copied.map(\.name) == ["alpha", "beta", "gamma"])
            #expect(report.skipped.map(\.name) == ["live"] && report.skipped[0].reason.contains("still running"))
            #expect(report.deletedLeftOut == 1)
            #expect(report.conflicts.isEmpty && report.failures.isEmpty && report.isComplete)
            #expect(report.metricPoints == 2000 + 1 + 1 && report.checkpoints == 4)
            #expect(report.modelVersionsCopied == ["mnist:v1", "mnist:v2"])
            #expect(report.aliasesCopied.sorted() == ["mnist@challenger", "mnist@champion"])
            // alpha's two weights, two states and artifact; beta's own weights and state (its 500 is alpha's).
            #expect(report.blobBytes == 30_000 * 2 + 9 + 10 + 6 + 20_000 + 4)

            let copiedUIDs: Set = [runs.alpha.uid, runs.beta.uid, runs.gamma.uid]
            let after = try Self.dump(destination)
            let expected = try Self.expected(try Self.dump(source), uids: copiedUIDs, source: source)
            #expect(Set(after.keys) == Set(expected.keys))
            for table in expected.keys.sorted() {
                #expect(after[table] == expected[table], "\(table) differs")
            }
            #expect(after["metrics"]?.count == 2002 && after["runs"]?.count == 3 && after["model_history"]?.count == 5)

            // The destination works: lineage, latest figures, test accuracy, a verified checkpoint, check.
            let beta = try destination.run(reference: "beta")
            let alpha = try destination.run(reference: "alpha")
            #expect(beta.parentRunID == alpha.id && beta.parentStep == 500)
            #expect(try destination.forks(of: alpha.id).map(\.name) == ["beta"])
            #expect(try destination.latestMetrics(runID: alpha.id) == ["loss": 0.001, "accuracy": Double(1000 % 97) / 97])
            #expect(try destination.testAccuracy(runID: alpha.id) == 0.875)
            #expect(try destination.checkpoint(runID: alpha.id, step: 1000)?.weights == (try source.checkpoint(runID: runs.alpha.id, step: 1000)?.weights))
            #expect(try destination.output(runID: destination.run(reference: "gamma").id).bytes == Array("Test Accuracy: 0.75\n".utf8))
            #expect(try destination.artifactData(runID: alpha.id, name: "plots/loss.svg") == Data("<svg/>".utf8))
            #expect(try destination.modelVersion(name: "mnist", alias: "champion").runID == alpha.id)
            #expect(try destination.modelVersion(name: "mnist", alias: "challenger").runID == beta.id)
            #expect(try destination.model(named: "mnist").tags == ["owner": "ml"])
            let problems = try destination.check().problems
            #expect(problems.isEmpty, "\(problems)")
            #expect(try destination.listRuns().first { $0.name == "gamma" }?.testAccuracy == 0.75)

            // Again: nothing new, nothing changed.
            let again = try source.copyRuns(to: destination, batchSize: 64)
            #expect(again.copied.isEmpty && again.modelVersionsCopied.isEmpty && again.aliasesCopied.isEmpty)
            #expect(again.alreadyPresent.map(\.name) == ["alpha", "beta", "gamma"] && again.isComplete)
            #expect(again.metricPoints == 0 && again.blobBytes == 0)
            #expect(try Self.dump(destination) == after)
        }
    }

    @Test(arguments: CopyPair.available) func aRunChangedAtTheSourceAfterItsCopyIsAConflictAndIsNotOverwritten(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            try source.copyRuns(to: destination)
            let before = try Self.dump(destination)
            try source.logMetrics(runID: runs.alpha.id, step: 1001, values: [("loss", 0.0009)])
            try source.updateRun(runID: runs.gamma.id, notes: "edited later")
            let report = try source.copyRuns(to: destination)
            #expect(report.copied.isEmpty && !report.isComplete)
            #expect(report.conflicts.map(\.name) == ["alpha", "gamma"])
            #expect(report.conflicts.allSatisfy { $0.kind == .runDiffers })
            #expect(report.conflicts[0].uid == runs.alpha.uid)
            #expect(report.conflicts[0].detail.contains("metrics (2001 points here, 2000 there)"))
            #expect(!report.conflicts[0].detail.contains("run fields"))
            #expect(report.conflicts[1].detail.contains("run fields") && !report.conflicts[1].detail.contains("metrics"))
            // beta, whose parent differs, is still the same run as its copy.
            #expect(report.alreadyPresent.map(\.name) == ["beta"])
            #expect(try Self.dump(destination) == before)
        }
    }

    @Test(arguments: CopyPair.available) func aCorruptBlobAtTheSourceLeavesTheDestinationWithoutThatRun(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            let sha256 = try #require(try source.checkpoints(runID: runs.beta.id).last?.weightsSHA256)
            try source.inTransaction {
                let overwrite = try source.database.makeStatement(sql: "UPDATE blobs SET data = ? WHERE sha256 = ?")
                let bad = Data(repeating: 0, count: 20_000)
                try bad.withUnsafeBytes { raw in
                    try overwrite.bindNoCopy(raw, at: 1)
                    try overwrite.bind(sha256, at: 2)
                    try overwrite.execute()
                }
            }
            let report = try source.copyRuns(to: destination)
            #expect(report.copied.map(\.name) == ["alpha", "gamma"])
            #expect(report.failures.map(\.name) == ["beta"] && !report.isComplete)
            let reason = try #require(report.failures.first?.reason)
            #expect(reason.contains("beta") && reason.contains("step 700") && reason.contains(sha256))
            #expect(try destination.runID(uid: runs.beta.uid) == nil)
            #expect(throws: StoreError.runNotFound("beta")) { try destination.run(reference: "beta") }
            // Nothing of beta is left: no blob of its own, no metric point of a run that is not there.
            #expect(try destination.database.int64(sql: "SELECT count(*) FROM blobs WHERE sha256 = '\(sha256)'") == 0)
            #expect(try destination.database.int64(sql: "SELECT count(*) FROM metric_points WHERE run_id NOT IN (SELECT id FROM runs)") == 0)
            // Its model version stays behind with it; alpha's is copied.
            #expect(report.modelVersionsCopied == ["mnist:v1"] && report.aliasesCopied == ["mnist@champion"])
            let problems = try destination.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test(arguments: CopyPair.available) func aNameTakenAtTheDestinationIsNoConflictButTheNameThenNamesTwoRuns(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            let other = try destination.createRun(NewRun(name: "alpha", targetSteps: 1))
            let report = try source.copyRuns(to: destination)
            #expect(report.conflicts.isEmpty && report.copied.map(\.name) == ["alpha", "beta", "gamma"])
            let copy = try destination.run(uid: runs.alpha.uid)
            #expect(copy.id != other.id && copy.name == "alpha")
            #expect(try destination.run(uid: runs.beta.uid).parentRunID == copy.id)
            #expect(throws: StoreError.ambiguousRunName("alpha", runs: [other, copy].map(Store.ambiguityEntry))) {
                try destination.run(reference: "alpha")
            }
        }
    }

    @Test(arguments: CopyPair.available) func aNamedRunBringsItsParentAndANamedDeletedRunStaysDeleted(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            let report = try source.copyRuns(ids: [runs.beta.id, runs.gone.id, runs.live.id], to: destination)
            #expect(report.copied.map(\.name) == ["alpha", "beta", "gone"])
            #expect(report.skipped.map(\.name) == ["live"] && report.deletedLeftOut == 0)
            #expect(try destination.run(reference: "beta").parentRunID == (try destination.run(reference: "alpha").id))
            #expect(try destination.run(reference: "gone").deletedAt == runs.gone.deletedAt)
            #expect(try destination.listRuns().map(\.name) == ["beta", "alpha"])
            let before = try Self.dump(destination)
            #expect(throws: StoreError.runNotFound("999")) { _ = try source.copyRuns(ids: [runs.alpha.id, 999], to: destination) }
            #expect(try Self.dump(destination) == before)
        }
    }

    @Test(arguments: CopyPair.available) func registryEntriesThatClashAreReportedAndTheRestIsCopied(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            // The destination has its own mnist:v1 (another run) and @champion on it, and a tag of its own.
            let mine = try destination.createRun(NewRun(name: "mine", targetSteps: 1))
            try destination.saveCheckpoint(runID: mine.id, step: 1, weights: Data("mine".utf8), trainerState: Data())
            try destination.registerModelVersion(name: "mnist", runID: mine.id, step: 1, aliases: ["champion"], tags: ["stage": "dev"])
            let report = try source.copyRuns(to: destination)
            #expect(report.copied.count == 3)
            #expect(report.conflicts.map(\.kind) == [.modelVersion])
            #expect(report.conflicts[0].name == "mnist:v1" && report.conflicts[0].detail.contains(runs.alpha.uid))
            #expect(report.modelVersionsCopied == ["mnist:v2"] && report.aliasesCopied == ["mnist@challenger"])
            let model = try destination.model(named: "mnist")
            #expect(model.aliases == ["champion": 1, "challenger": 2] && model.latestVersion == 2)
            #expect(try destination.modelVersion(name: "mnist", version: 1).runID == mine.id)
            #expect(try destination.modelVersion(name: "mnist", version: 2).runID == (try destination.run(reference: "beta").id))
            #expect(try destination.database.int64(sql: "SELECT last_version FROM models WHERE name = 'mnist'") == 2)
            // A version registered later at the destination takes the next number.
            let next = try destination.registerModelVersion(name: "mnist", runID: mine.id, step: 1)
            #expect(next.version == 3)
            // The source's history was merged in once: a second copy adds nothing.
            let history = try destination.modelHistory(name: "mnist").count
            _ = try source.copyRuns(to: destination)
            #expect(try destination.modelHistory(name: "mnist").count == history)
            let problems = try destination.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// A run lands in the destination's experiment of its experiment's name: one there already (by
    /// name, whatever its id), or one created with the source's tags; a run of Default stays in
    /// Default. Points several to a step (MLflow's, `appendMetrics`) are copied every one, in their
    /// order, with pages that end inside a step; NaN and infinities as they are.
    @Test(arguments: CopyPair.available) func runsLandInTheirExperimentsByNameWithEveryPointOfAStep(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let grid = try source.createExperiment(name: "grid", tags: ["team": "core", "goal": "lr"])
            let shared = try source.createExperiment(name: "shared")
            _ = try destination.createExperiment(name: "mine")
            _ = try destination.createExperiment(name: "mine-too")
            let sharedThere = try destination.createExperiment(name: "shared", tags: ["kept": "yes"])
            #expect(sharedThere.id != shared.id)
            func make(_ name: String, in experiment: Int64) throws -> Run {
                var newRun = NewRun(name: name, targetSteps: 10)
                newRun.experimentID = experiment
                let run = try source.createRun(newRun)
                return run
            }
            let inGrid = try make("in-grid", in: grid.id), inShared = try make("in-shared", in: shared.id)
            let inDefault = try make("in-default", in: 0)
            let time = Date(timeIntervalSince1970: 1_700_000_000.5)
            // Seven points at step 5, three at step 0 (a script that logs without a step), one at 9.
            let values: [Double] = [0.5, .nan, -0.0, .infinity, 0.25, -.infinity, 1e-310]
            var points = (0..<3).map { MetricSample(key: "loss", step: 0, value: Double($0), wallTime: time) }
            points += values.enumerated().map { MetricSample(key: "loss", step: 5, value: $1, wallTime: time.addingTimeInterval(Double($0))) }
            points.append(MetricSample(key: "loss", step: 9, value: 9, wallTime: time))
            try source.appendMetrics(runID: inGrid.id, points: points)
            try source.logMetrics(runID: inShared.id, samples: (1...1_500).map {
                MetricSample(key: "loss", step: $0, value: 1 / Double($0), wallTime: time.addingTimeInterval(Double($0)))
            })
            for run in [inGrid, inShared, inDefault] { try source.finishRun(runID: run.id, status: .failed) }

            let report = try source.copyRuns(to: destination, batchSize: 3)
            #expect(report.copied.count == 3 && report.conflicts.isEmpty && report.metricPoints == points.count + 1_500)
            let gridThere = try #require(try destination.experiment(named: "grid"))
            #expect(gridThere.tags == ["team": "core", "goal": "lr"] && gridThere.isActive)
            #expect(try destination.run(uid: inGrid.uid).experimentID == gridThere.id)
            #expect(try destination.run(uid: inShared.uid).experimentID == sharedThere.id)
            #expect(try destination.experiment(id: sharedThere.id).tags == ["kept": "yes"])
            #expect(try destination.run(uid: inDefault.uid).experimentID == 0)
            #expect(try destination.experiments().map(\.name).sorted() == ["Default", "grid", "mine", "mine-too", "shared"])

            let copied = try destination.run(uid: inGrid.uid)
            let curve = try destination.metricCurve(runID: copied.id, key: "loss")
            #expect(curve.map(\.step) == points.map(\.step))
            #expect(curve.map { $0.value.isNaN ? "nan" : "\($0.value.bitPattern)" } == points.map { $0.value.isNaN ? "nan" : "\($0.value.bitPattern)" })
            #expect(try destination.metricHistory(runID: copied.id, key: "loss").map(\.wallTime) == points.map(\.wallTime))
            let whole = try Self.dump(source), there = try Self.dump(destination)
            let uids: Set<String> = [inGrid.uid, inShared.uid, inDefault.uid]
            #expect(try Self.expected(whole, uids: uids, source: source)["metrics"] == there["metrics"])
            #expect(try Self.expected(whole, uids: uids, source: source)["runs"] == there["runs"])

            // Copied again (pages of any size): every run is there with the same content.
            let again = try source.copyRuns(to: destination, batchSize: 4)
            #expect(again.copied.isEmpty && again.alreadyPresent.count == 3 && again.conflicts.isEmpty)
            // Points that differ only in their seq make a different run.
            try destination.database.execute(sql: "UPDATE metrics SET seq = seq + 10 WHERE run_id = \(copied.id) AND step = 5 AND seq = 6")
            let differences = try source.contentDigest(runID: inGrid.id, batchSize: 2).differences(from: destination.contentDigest(runID: copied.id))
            #expect(differences == ["metrics"])
            let problems = try destination.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// An experiment deleted at the source is created deleted at the destination (its runs hidden
    /// there too); a copy rolled back leaves no experiment behind.
    @Test(arguments: CopyPair.available) func aDeletedExperimentArrivesDeleted(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let old = try source.createExperiment(name: "old")
            var newRun = NewRun(name: "archived", targetSteps: 1)
            newRun.experimentID = old.id
            let run = try source.createRun(newRun)
            try source.finishRun(runID: run.id, status: .finished)
            try source.deleteExperiment(id: old.id)
            let report = try source.copyRuns(to: destination)
            #expect(report.copied.map(\.name) == ["archived"])
            let there = try #require(try destination.experiment(named: "old"))
            #expect(try !there.isActive && destination.listRuns().isEmpty)
            #expect(try destination.listRuns(experimentID: there.id).map(\.name) == ["archived"])
        }
    }

    @Test(arguments: CopyPair.available) func theContentDigestNamesWhatDiffers(pair: CopyPair) throws {
        try withStores(pair) { source, destination, _ throws in
            let runs = try fill(source)
            try source.copyRuns(to: destination)
            let copy = try destination.run(reference: "alpha")
            #expect(try source.contentDigest(runID: runs.alpha.id, batchSize: 7) == destination.contentDigest(runID: copy.id))
            try destination.addTags(["later": "yes"], runID: copy.id)
            try destination.saveArtifact(runID: copy.id, name: "more.txt", data: Data("x".utf8))
            try destination.appendOutput(runID: copy.id, bytes: Array("more\n".utf8))
            let differences = try source.contentDigest(runID: runs.alpha.id).differences(from: destination.contentDigest(runID: copy.id))
            #expect(differences == ["tags", "output (5719 bytes here, 5724 there)", "artifacts"])
        }
    }
}
