import Foundation
import TestSupport
import Testing

@testable import Store

/// Migration 0003: `metric_latest` and `runs.test_accuracy`, backfilled from a store of the second
/// schema, kept by every writer, and checked.
@Suite struct LatestFiguresTests {
    /// What `listRuns` computed before 0003, with correlated subqueries on the large tables.
    static let oldFiguresSQL = """
        SELECT r.id,
            (SELECT value FROM metrics WHERE run_id = r.id AND key_id = (SELECT id FROM metric_keys WHERE key = 'loss')
             ORDER BY step DESC LIMIT 1),
            (SELECT value FROM metrics WHERE run_id = r.id AND key_id = (SELECT id FROM metric_keys WHERE key = 'accuracy')
             ORDER BY step DESC LIMIT 1),
            (SELECT e.accuracy FROM evaluations e
             WHERE e.run_id = r.id AND e.split = 'test' AND e.step = (SELECT max(step) FROM checkpoints WHERE run_id = r.id)
             ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
        FROM runs r ORDER BY r.id
        """

    /// 60 runs written in the second schema as the nnreg of that schema wrote them (raw SQL: the
    /// current writers also fill 0003's table): points logged out of step order, a point logged
    /// again at its step, evaluations of older and of the latest checkpoints, runs with no points,
    /// no checkpoint or only a validation evaluation, a soft-deleted run, and points of a run
    /// that does not exist.
    static func fillSecondSchema(_ database: Database) throws {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  // SHA-256 of no bytes
        var sql = "INSERT INTO metric_keys (id, key) VALUES (1, 'accuracy'), (2, 'loss'), (3, 'lr');\n"
        sql += "INSERT INTO blobs (sha256, size, data) VALUES ('\(empty)', 0, x'');\n"
        for run in 1...60 {
            sql += "INSERT INTO runs (id, name, status, created_at, target_steps, steps_done, deleted_at) "
            sql += "VALUES (\(run), 'run-\(run)', 'interrupted', \(1000 + run), 300, 300, \(run == 7 ? "5.5" : "NULL"));\n"
            guard run % 10 != 3 else { continue }  // no points, no checkpoints
            let steps = run % 2 == 0 ? [300, 100, 200] : [100, 200, 300]  // out of order for even runs
            for step in steps where !(run % 10 == 5 && step == 300) {
                sql += "INSERT OR REPLACE INTO metrics VALUES (\(run), 2, \(step), \(Double(run) + 1 / Double(step)), \(step));\n"
                sql += "INSERT OR REPLACE INTO metrics VALUES (\(run), 1, \(step), \(Double(step) / 1000 + Double(run) / 1e4), \(step));\n"
                if run % 4 == 0 { sql += "INSERT OR REPLACE INTO metrics VALUES (\(run), 3, \(step), 0.1, \(step));\n" }
            }
            if run % 6 == 0 {  // logged again at step 300: the later value wins
                sql += "INSERT OR REPLACE INTO metrics VALUES (\(run), 2, 300, \(-Double(run)), 999);\n"
            }
            guard run % 10 != 9 else { continue }  // points but no checkpoint
            for step in [100, 200, 300] where !(run % 10 == 1 && step == 300) {
                sql += "INSERT INTO checkpoints (run_id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256) "
                sql += "VALUES (\(run), \(step), \(step), 0, '\(empty)', 0, '\(empty)');\n"
            }
            let latest = run % 10 == 1 ? 200 : 300
            func evaluation(_ step: Int, _ split: String, _ accuracy: Double, at time: Double) -> String {
                "INSERT INTO evaluations (run_id, step, dataset_name, dataset_sha256, split, accuracy, created_at) "
                    + "VALUES (\(run), \(step), 'mnist', 'ab', '\(split)', \(accuracy), \(time));\n"
            }
            sql += evaluation(100, "test", 0.5, at: 10)  // an older checkpoint's: never the run's figure
            if run % 10 == 2 {
                sql += evaluation(latest, "validation", 0.7, at: 20)
            } else {
                sql += evaluation(latest, "test", 0.8 + Double(run) / 1000, at: 30)
                if run % 5 == 0 { sql += evaluation(latest, "test", 0.6 + Double(run) / 1000, at: 40) }  // re-evaluated later
            }
        }
        sql += "INSERT INTO metrics VALUES (999, 2, 1, 1.0, 1);\n"  // an orphaned point (`check` reports it)
        try database.execute(sql: sql)
    }

    /// Above 2,000 runs a store file's params are read on a second connection while the runs are
    /// read on the first; the list is the one read on one connection (`limit` keeps it there), with
    /// every param (or only the named ones), and a run created later shows its own.
    @Test func manyRunsReadTheirParamsOnASecondConnectionAndListTheSame() throws {
        try withTemporaryStore { store, path throws in
            try store.inTransaction {
                for index in 0..<2_100 {
                    let params: [String: ParamValue] = index % 7 == 0 ? [:]
                        : ["lr": .real(Double(index) / 1000), "batch": .int(Int64(index % 3)), "opt": .text("sgd \"\(index)\"")]
                    _ = try store.createRun(NewRun(targetSteps: 10, params: params, tags: ["i": String(index)]))
                }
            }
            try store.deleteRuns(ids: [5])
            let reader = try Store(readingOnly: path)
            let parallel = try reader.listRuns()
            #expect(parallel.count == 2_099)
            #expect(parallel == (try reader.listRuns(limit: 1_000_000)))
            #expect(parallel.first { $0.id == 2_100 }?.params == ["lr": .real(2.099), "batch": .int(2), "opt": .text("sgd \"2099\"")])
            #expect(parallel.first { $0.id == 8 }?.params == [:])
            let named = try reader.listRuns(paramKeys: ["batch"])
            #expect(named == (try reader.listRuns(limit: 1_000_000, paramKeys: ["batch"])))
            #expect(named.first { $0.id == 2_100 }?.params == ["batch": .int(2)])
            // The second connection's read: every run with params (the deleted one too), and the highest id.
            let byRun = try reader.paramsByRun(keys: nil)
            #expect(byRun.highestRunID == 2_100 && byRun.params.count == 2_100 - 300)
            _ = try store.createRun(NewRun(targetSteps: 10, params: ["late": .int(1)]))
            #expect(try reader.listRuns().first?.params == ["late": .int(1)])
        }
    }

    /// `ids` lists the runs of an id range with their own params, tags and latest figures only;
    /// `brief` leaves out names, times and step counts and keeps what a filter reads.
    @Test(arguments: StoreBackend.available) func aRangeOfRunsAndBriefSummaries(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            for index in 1...8 {
                let run = try store.createRun(NewRun(
                    name: "run-\(index)", targetSteps: 100, params: ["batch": .int(Int64(index))], tags: ["i": "\(index)"]))
                try store.logStep(runID: run.id, step: 10 * index, metrics: [("loss", 1 / Double(index)), ("accuracy", 0.1 * Double(index))])
            }
            let range = try store.listRuns(ids: 3...5)
            #expect(range.map(\.id) == [5, 4, 3])
            #expect(range.map(\.name) == ["run-5", "run-4", "run-3"])
            #expect(range.map(\.stepsDone) == [50, 40, 30])
            #expect(range.map { $0.params["batch"] } == [.int(5), .int(4), .int(3)])
            #expect(range.map { $0.tags["i"] } == ["5", "4", "3"])
            #expect(range.map(\.loss) == [0.2, 0.25, 1 / 3.0])
            let full = try store.listRuns()
            #expect(full.filter { (3...5).contains($0.id) } == range)
            let brief = try store.listRuns(paramKeys: ["batch"], brief: true)
            #expect(brief.map(\.id) == full.map(\.id))
            #expect(brief.allSatisfy { $0.name.isEmpty && $0.stepsDone == 0 && $0.createdAt.timeIntervalSince1970 == 0 })
            #expect(brief.map(\.status) == full.map(\.status))
            #expect(brief.map(\.accuracy) == full.map(\.accuracy))
            #expect(brief.map { $0.params["batch"] } == full.map { $0.params["batch"] })
        }
    }

    @Test func aStoreOfTheSecondSchemaUpgradesWithTheFiguresItShowedBefore() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/second.sqlite"
            let second = Array(embeddedMigrations.prefix(2))
            #expect(second.map(\.id) == ["0001_initial", "0002_model_registry"])
            let tables = ["runs", "params", "tags", "metric_keys", "metrics", "checkpoints", "blobs", "evaluations",
                          "models", "model_versions", "model_aliases", "model_tags", "model_history"]
            var before: [String: [String]] = [:]
            let oldFigures: [String]
            do {
                let old = try Store(path: path, migrations: second)
                try Self.fillSecondSchema(old.database)
                for table in tables { before[table] = try RegistryMigrationTests.dump(old.database, "SELECT * FROM \(table) ORDER BY 1, 2") }
                oldFigures = try RegistryMigrationTests.dump(old.database, Self.oldFiguresSQL)
            }
            #expect(before["runs"]?.count == 60 && before["metrics"]!.count > 300 && before["evaluations"]!.count > 50)

            let store = try Store(path: path, migrations: embeddedMigrations.filter { $0.id < "0004" })
            #expect(store.appliedMigrationIDs == ["0003_latest_figures"])
            #expect(store.backupPath != nil)
            let runColumns = try RegistryMigrationTests.dump(store.database, "SELECT name FROM pragma_table_info('runs') ORDER BY cid")
            #expect(runColumns.last == "test_accuracy")
            let oldRunColumns = runColumns.dropLast().joined(separator: ", ")
            #expect(try RegistryMigrationTests.dump(store.database, "SELECT \(oldRunColumns) FROM runs ORDER BY 1, 2") == before["runs"])
            for table in tables where table != "runs" {
                #expect(try RegistryMigrationTests.dump(store.database, "SELECT * FROM \(table) ORDER BY 1, 2") == before[table], "\(table)")
            }
            // The summaries hold what the old subqueries computed, run by run, and list shows it.
            #expect(try RegistryMigrationTests.dump(store.database, Self.oldFiguresSQL) == oldFigures)
            let newFigures = try RegistryMigrationTests.dump(store.database, """
                SELECT r.id,
                    (SELECT value FROM metric_latest WHERE run_id = r.id AND key_id = 2),
                    (SELECT value FROM metric_latest WHERE run_id = r.id AND key_id = 1),
                    r.test_accuracy
                FROM runs r ORDER BY r.id
                """)
            #expect(newFigures == oldFigures)
            // listRuns reads today's schema (experiments): the figures survive every later upgrade.
            let upgraded = try Store(path: path)
            let listed = try upgraded.listRuns(includeDeleted: true).reversed().map { run in
                [String(run.id), run.loss.map { "\($0)" } ?? "NULL", run.accuracy.map { "\($0)" } ?? "NULL",
                 run.testAccuracy.map { "\($0)" } ?? "NULL"].joined(separator: "|")
            }
            let expected = try store.database.makeStatement(sql: Self.oldFiguresSQL)
            var oldListed: [String] = []
            while try expected.step() {
                oldListed.append((0..<4).map { expected.isNull(at: $0) ? "NULL" : $0 == 0 ? "\(expected.int64(at: 0))" : "\(expected.double(at: $0))" }
                    .joined(separator: "|"))
            }
            #expect(listed == oldListed)
            // Spot checks of the cases the fill set up.
            let runs = Dictionary(uniqueKeysWithValues: try upgraded.listRuns(includeDeleted: true).map { ($0.id, $0) })
            #expect(runs[4]?.loss == 4 + 1.0 / 300 && runs[4]?.accuracy == 0.3 + 4 / 1e4)  // out of order: step 300 wins
            #expect(runs[6]?.loss == -6)  // logged again at 300
            #expect(runs[15]?.loss == 15 + 1.0 / 200)  // no point at 300
            #expect(runs[13]?.loss == nil && runs[13]?.testAccuracy == nil)
            #expect(runs[11]?.testAccuracy == 0.8 + 11.0 / 1000)  // latest checkpoint is 200
            #expect(runs[10]?.testAccuracy == 0.6 + 10.0 / 1000)  // re-evaluated later
            #expect(runs[12]?.testAccuracy == nil && runs[19]?.testAccuracy == nil)  // validation only; no checkpoint
            #expect(try upgraded.listRuns().count == 59)
            #expect(try count(store.database, "metric_latest") == Int64(Set(before["metrics"]!.map { $0.split(separator: "|").prefix(2) }).count - 1))
            #expect(try upgraded.check().problems.map(\.kind) == ["orphaned_metrics"])  // upgraded to today's schema
        }
    }

    @Test(arguments: StoreBackend.available) func everyWriterKeepsTheLatestPoint(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(name: "r", targetSteps: 500))
            func latest(_ key: String) throws -> String? {
                let statement = try store.database.makeStatement(sql: """
                    SELECT l.step, l.value FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id
                    WHERE l.run_id = \(run.id) AND k.key = '\(key)'
                    """)
                return try statement.step() ? "\(statement.int(at: 0)) \(statement.double(at: 1))" : nil
            }
            try store.logMetrics(runID: run.id, step: 200, values: [("loss", 2.0)])
            #expect(try latest("loss") == "200 2.0")
            try store.logMetrics(runID: run.id, step: 100, values: [("loss", 9.0)])  // an earlier step
            #expect(try latest("loss") == "200 2.0")
            try store.logMetrics(runID: run.id, step: 200, values: [("loss", 1.5)])  // the same step again
            #expect(try latest("loss") == "200 1.5")
            try store.logStep(runID: run.id, step: 300, metrics: [("loss", 1.0), ("accuracy", 0.5)])
            #expect(try latest("loss") == "300 1.0" && latest("accuracy") == "300 0.5")
            // The bulk path: out of order, a step repeated (the later sample wins, as in metrics).
            let wall = Date(timeIntervalSince1970: 1)
            var samples = (1...250).map { MetricSample(key: "loss", step: 1_000 - $0, value: Double($0), wallTime: wall) }
            samples += [MetricSample(key: "accuracy", step: 400, value: 0.6, wallTime: wall),
                        MetricSample(key: "loss", step: 999, value: 42, wallTime: wall),
                        MetricSample(key: "accuracy", step: 350, value: 0.1, wallTime: wall)]
            try store.logMetrics(runID: run.id, samples: samples)
            #expect(try latest("loss") == "999 42.0" && latest("accuracy") == "400 0.6")
            try store.logMetrics(runID: run.id, samples: [MetricSample(key: "loss", step: 5, value: 7, wallTime: wall)])
            #expect(try latest("loss") == "999 42.0")
            // A failed call leaves no trace in either table.
            #expect(throws: (any Error).self) {
                try store.inTransaction {
                    try store.logMetrics(runID: run.id, step: 5_000, values: [("loss", 0.25)])
                    throw StoreError.runNotFound("rolled back")
                }
            }
            #expect(try latest("loss") == "999 42.0")
            #expect(try store.listRuns().first?.loss == 42 && store.listRuns().first?.accuracy == 0.6)
            #expect(try store.check().problems.isEmpty)

            // Purging a run removes its rows.
            try store.deleteRuns(ids: [run.id])
            _ = try store.collectGarbage()
            #expect(try count(store.database, "metric_latest") == 0)
            #expect(try store.check().problems.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available) func theTestAccuracyFollowsTheLatestCheckpoint(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(name: "r", targetSteps: 300))
            func shown() throws -> Double? { try store.listRuns().first?.testAccuracy }
            func evaluate(_ step: Int, _ accuracy: Double, split: String = "test") throws {
                try store.addEvaluation(NewEvaluation(
                    runID: run.id, step: step, datasetName: "m", datasetSHA256: "x", split: split, accuracy: accuracy))
            }
            try store.saveCheckpoint(runID: run.id, step: 100, weights: Data([1]), trainerState: Data())
            #expect(try shown() == nil)
            try evaluate(100, 0.5)
            #expect(try shown() == 0.5)
            try evaluate(100, 0.25, split: "validation")
            #expect(try shown() == 0.5)
            try store.saveCheckpoint(runID: run.id, step: 200, weights: Data([2]), trainerState: Data())
            #expect(try shown() == nil)  // the latest checkpoint is not evaluated yet
            try evaluate(100, 0.4)  // an older checkpoint's evaluation does not count
            #expect(try shown() == nil)
            try evaluate(200, 0.7)
            #expect(try shown() == 0.7)
            try evaluate(200, 0.75)
            #expect(try shown() == 0.75 && store.testAccuracy(runID: run.id) == 0.75)
            try store.saveCheckpoint(runID: run.id, step: 200, weights: Data([3]), trainerState: Data())  // saved again
            #expect(try shown() == 0.75)
            _ = try store.collectGarbage(keepLast: 1)
            #expect(try shown() == 0.75)
            #expect(try store.check().problems.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available) func checkReportsSummariesThatDisagree(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(name: "r", targetSteps: 100))
            try store.logStep(runID: run.id, step: 100, metrics: [("loss", 1.0), ("accuracy", 0.5)],
                              checkpoint: (Data([1]), Data()))
            try store.addEvaluation(NewEvaluation(runID: run.id, step: 100, datasetName: "m", datasetSHA256: "x", split: "test", accuracy: 0.9))
            #expect(try store.check().problems.isEmpty)
            try store.database.execute(sql: "UPDATE metric_latest SET value = 3 WHERE key_id = (SELECT id FROM metric_keys WHERE key = 'loss')")
            try store.database.execute(sql: "DELETE FROM metric_latest WHERE key_id = (SELECT id FROM metric_keys WHERE key = 'accuracy')")
            try store.database.execute(sql: "UPDATE runs SET test_accuracy = 0.1")
            let problems = try store.check().problems
            #expect(problems.map(\.kind) == ["stale_latest_metric", "stale_latest_metric", "stale_test_accuracy"])
            #expect(problems[0].detail == "run \(run.id) metric accuracy: latest point is step 100 value 0.5 but metric_latest holds none")
            #expect(problems[1].detail == "run \(run.id) metric loss: latest point is step 100 value 1.0 but metric_latest holds step 100 value 3.0")
            #expect(problems[2].detail == "run \(run.id) shows test accuracy 0.1 but its evaluations say 0.9")
        }
    }
}
