import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Store

@Suite struct MigrationTests {
    @Test func reopeningAppliesNothingTwice() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/store.sqlite"
            do {
                let store = try Store(path: path)
                #expect(store.appliedMigrationIDs == Store.knownMigrationIDs)
                #expect(store.backupPath == nil)
                _ = try store.createRun(NewRun(targetSteps: 5))
            }
            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs.isEmpty)
            #expect(store.backupPath == nil)
            #expect(try count(store.database, "schema_migrations") == Int64(Store.knownMigrationIDs.count))
            #expect(try count(store.database, "runs") == 1)
        }
    }

    @Test func newerStoreIsRefusedAndLeftUntouched() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/store.sqlite"
            do { _ = try Store(path: path).createRun(NewRun(targetSteps: 5)) }
            do {
                let raw = try SQLiteDatabase(path: path)
                try raw.execute(sql: "INSERT INTO schema_migrations VALUES ('9999_future', 'later')")
            }
            let before = try fileDigest(path)
            let error = try #require(throws: StoreError.self) { _ = try Store(path: path) }
            #expect(error == .databaseIsNewer(path: path, unknownMigrations: ["9999_future"]))
            #expect(error.description.contains("Upgrade nnreg"))
            #expect(try fileDigest(path) == before)
            #expect(!FileManager.default.fileExists(atPath: path + ".backup-before-9999_future"))
        }
    }

    @Test func backupIsWrittenBeforeMigratingAnExistingStore() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/store.sqlite"
            let first = Array(embeddedMigrations.prefix(1))
            let runID: Int64
            do {
                let old = try Store(path: path, migrations: first)
                try old.database.execute(sql: "INSERT INTO runs (name, status, created_at) VALUES ('kept', 'running', 1)")
                runID = try #require(try old.database.int64(sql: "SELECT max(id) FROM runs"))
                try old.database.execute(sql: """
                    INSERT INTO metric_keys (id, key) VALUES (1, 'loss');
                    INSERT INTO metrics VALUES (\(runID), 1, 1, 2.0, 1);
                    """)
            }
            let next = first + [(id: "0002_test", sql: "CREATE TABLE extra (x INTEGER) STRICT;")]
            let store = try Store(path: path, migrations: next)
            let backupPath = try #require(store.backupPath)
            #expect(backupPath == path + ".backup-before-0002_test")
            #expect(store.appliedMigrationIDs == ["0002_test"])
            #expect(try count(store.database, "extra") == 0)

            // The backup is the store as it was: the run, and only the first migration.
            let backup = try SQLiteDatabase(path: backupPath, readOnly: true)
            #expect(try backup.string(sql: "SELECT name FROM runs WHERE id = \(runID)") == "kept")
            #expect(try count(backup, "metrics") == 1)
            #expect(try count(backup, "schema_migrations") == 1)
            #expect(try backup.int64(sql: "SELECT count(*) FROM sqlite_master WHERE name = 'extra'") == 0)
            #expect(try backup.string(sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test func newStoreGetsNoBackup() throws {
        try withTemporaryStore { store, path throws in
            #expect(store.backupPath == nil)
            let files = try FileManager.default.contentsOfDirectory(
                atPath: (path as NSString).deletingLastPathComponent)
            #expect(!files.contains { $0.contains("backup") })
        }
    }

    @Test func badPathsGiveTypedErrors() throws {
        try withTemporaryFolder { folder throws in
            #expect(throws: StoreError.isDirectory(path: folder)) { _ = try Store(path: folder) }

            let text = folder + "/notes.txt"
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
            let before = try fileDigest(text)
            #expect(throws: StoreError.notADatabase(path: text)) { _ = try Store(path: text) }
            #expect(try fileDigest(text) == before)

            let missing = folder + "/no/such/folder/store.sqlite"
            let error = try #require(throws: StoreError.self) { _ = try Store(path: missing) }
            guard case .cannotCreate = error else {
                Issue.record("expected cannotCreate, got \(error)")
                return
            }
        }
    }

    @Test(.enabled(if: getuid() != 0, "root can write anything"))
    func readOnlyFileIsRefused() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/store.sqlite"
            do { _ = try Store(path: path) }
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
            #expect(throws: StoreError.readOnly(path: path)) { _ = try Store(path: path) }
        }
    }
}

/// A store written by the first schema (before the registry) upgrades with every byte kept.
@Suite struct RegistryMigrationTests {
    /// Rows of a table as text, every column, in primary-key order.
    /// Fills a store on `backend` made with the `earlier` migrations only, then opens it as today's
    /// nnreg does (which upgrades it) and hands both to `then` with what `fill` returned.
    static func upgrade<Filled>(
        on backend: StoreBackend, from earlier: ([(id: String, sql: String)]) -> [(id: String, sql: String)],
        fill: (Store) throws -> Filled, then: (Store, Filled) throws -> Void
    ) throws {
        switch backend {
        case .sqlite:
            try withTemporaryFolder { folder throws in
                let path = folder + "/earlier.sqlite"
                let filled = try fill(try Store(path: path, migrations: earlier(embeddedMigrations)))
                try then(try Store(path: path), filled)
            }
        case .postgresql:
            try PostgresTestServer.withDatabase { url in
                let filled = try fill(try Store(location: try PostgresLocation(url: url), migrations: earlier(embeddedPostgresMigrations)))
                try then(try Store(path: url), filled)
            }
        }
    }

    /// Points as an nnreg before migration 0007 stored them, a row each with the key's latest point
    /// (wall time: the step), through SQL both dialects take.
    static func insertPointRows(_ store: Store, runID: Int64, key: String, points: [(step: Int, value: Double)]) throws {
        let keyID = try #require(try store.metricKeyID(key))
        let insert = try store.database.makeStatement(sql: "INSERT INTO metrics (run_id, key_id, step, value, wall_time) VALUES (?, ?, ?, ?, ?)")
        for point in points {
            for (index, value) in [Double(runID), Double(keyID), Double(point.step)].enumerated() { try insert.bind(Int64(value), at: Int32(index + 1)) }
            try insert.bind(point.value, at: 4)
            try insert.bind(Double(point.step), at: 5)
            try insert.execute()
        }
        guard let last = points.max(by: { $0.step < $1.step }) else { return }
        try store.database.execute(sql: "INSERT INTO metric_latest (run_id, key_id, step, value) VALUES (\(runID), \(keyID), \(last.step), \(last.value))")
    }

    /// The columns of metrics before migration 0008 added `seq`, in their order.
    static let pointColumns = "run_id, key_id, step, value, wall_time"
    static let versionColumns = """
        id, model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name, dataset_sha256, test_accuracy,
        description, created_at, created_by, created_host
        """

    /// What a test of an earlier schema compares of `table`: the run columns it had, the point
    /// columns of metrics, every column of the others.
    static func columns(of table: String, runs runColumns: String) -> String {
        switch table {
        case "runs": runColumns
        case "metrics": pointColumns
        case "models": "id, name, description, created_at, last_version"  // 0009 adds updated_at
        case "model_versions": versionColumns  // 0009 adds source, logged_model_id, updated_at
        default: "*"
        }
    }

    /// A run as an nnreg of an earlier schema (from 0005, with uids) wrote it, through SQL both
    /// dialects take: today's `createRun` names columns those schemas lack.
    @discardableResult
    static func insertRun(
        _ store: Store, name: String, seed: Int64? = nil, targetSteps: Int = 0, parentID: Int64? = nil, parentStep: Int? = nil,
        params: [String: ParamValue] = [:], tags: [String: String] = [:]
    ) throws -> Int64 {
        let insert = try store.database.makeStatement(sql: """
            INSERT INTO runs (name, status, created_at, started_at, heartbeat_at, pid, host, seed, target_steps, parent_run_id,
                parent_step, uid)
            VALUES (?, 'running', ?, ?, ?, ?, 'vm', ?, ?, ?, ?, ?) RETURNING id
            """)
        let now = Date().timeIntervalSince1970
        try insert.bind(name, at: 1)
        try insert.bind(now, at: 2)
        try insert.bind(now, at: 3)
        try insert.bind(now, at: 4)
        try insert.bind(Int64(getpid()), at: 5)
        try insert.bind(seed, at: 6)
        try insert.bind(targetSteps, at: 7)
        try insert.bind(parentID, at: 8)
        try insert.bind(parentStep, at: 9)
        try insert.bind(Store.makeRunUID(), at: 10)
        let id = try store.insertedID(insert)
        try store.setParams(params, runID: id)
        try store.addTags(tags, runID: id)
        return id
    }

    /// Every table as it was `before` (rows in any order: a table's order by its first two columns
    /// leaves ties to the backend); runs, in id order, with the columns later migrations added.
    static func expectUnchanged(_ tables: [String], in store: Store, _ before: [String: [String]]) throws {
        for table in tables {
            let after = try dump(store.database, "SELECT \(columns(of: table, runs: "*")) FROM \(table) ORDER BY 1, 2")
            if table == "runs" {
                #expect(after.count == before[table]?.count && zip(before[table] ?? [], after).allSatisfy { $1.hasPrefix($0 + "|") },
                        "runs changed")
            } else {
                #expect(after.sorted() == before[table]?.sorted(), "\(table) changed")
            }
        }
    }

    static func dump(_ database: Database, _ sql: String) throws -> [String] {
        let statement = try database.makeStatement(sql: sql)
        var rows: [String] = []
        while try statement.step() {
            let count = statement.columnCount
            rows.append((0..<count).map { column -> String in
                switch statement.columnType(at: column) {
                case 4: return "x'" + statement.withBlob(at: column) { $0.map { String(format: "%02x", $0) }.joined() } + "'"
                case 5: return "NULL"
                default: return statement.string(at: column)
                }
            }.joined(separator: "|"))
        }
        return rows
    }

    @Test func aStoreOfTheFirstSchemaUpgradesWithNothingLost() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/old.sqlite"
            let first = Array(embeddedMigrations.prefix(1))
            #expect(first.first?.id == "0001_initial")
            let weights = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
            let otherWeights = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 17) })
            let state1 = Data("state at 100".utf8), state2 = Data("state at 200".utf8)
            func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
            func sha(_ data: Data) -> String { data.withUnsafeBytes { Store.sha256($0) } }
            do {
                let old = try Store(path: path, migrations: first)
                // The first schema's runs table, written as the first nnreg wrote it.
                try old.database.execute(sql: """
                    INSERT INTO runs (id, name, status, created_at, started_at, heartbeat_at, pid, host, seed, target_steps,
                        steps_done, dataset_name, dataset_sha256, nnreg_version, notes)
                    VALUES (1, 'old-a', 'finished', 10.5, 10.5, 20.25, 4242, 'vm', 1, 200, 200, 'mnist', 'ab', '0.1.0', 'note'),
                           (2, 'old-b', 'interrupted', 11.5, 11.5, 21.25, 4243, 'vm', NULL, 100, 100, NULL, NULL, '0.1.0', NULL);
                    UPDATE runs SET parent_run_id = 1, parent_step = 100 WHERE id = 2;
                    INSERT INTO params (run_id, key, value) VALUES (1, 'learning_rate', 0.001), (1, 'seed', 1), (1, 'opt', 'sgd');
                    INSERT INTO tags (run_id, key, value) VALUES (1, 'k', 'v');
                    """)
                let (a, b) = (Int64(1), Int64(2))
                try old.database.execute(sql: """
                    INSERT INTO metric_keys (id, key) VALUES (1, 'accuracy'), (2, 'loss');
                    INSERT INTO metrics (run_id, key_id, step, value, wall_time)
                    VALUES (1, 2, 100, 3.5, 100.5), (1, 1, 100, 0.25, 100.5), (1, 2, 200, 1.5, 200.5), (1, 1, 200, 0.75, 200.5);
                    """)
                // The first schema kept both blobs in the checkpoints row; two checkpoints share weights.
                for (run, step, w, s) in [(a, 100, weights, state1), (a, 200, otherWeights, state2), (b, 100, weights, state1)] {
                    try old.database.execute(sql: """
                        INSERT INTO checkpoints (run_id, step, created_at, weights_size, weights_sha256, trainer_state_size,
                            trainer_state_sha256, weights, trainer_state)
                        VALUES (\(run), \(step), 1000.5, \(w.count), '\(sha(w))', \(s.count), '\(sha(s))', x'\(hex(w))', x'\(hex(s))')
                        """)
                }
                try old.database.execute(sql: """
                    INSERT INTO evaluations (checkpoint_id, dataset_name, dataset_sha256, split, accuracy, loss, per_class, confusion, created_at)
                    VALUES (1, 'mnist', 'ab', 'test', 0.5, 1.25, '[{"label":0}]', '[[1,2],[3,4]]', 2000.25),
                           (2, 'mnist', 'ab', 'test', 0.9, 0.25, '[]', '[[5]]', 3000.75)
                    """)
            }
            let (runs, params, tags, metrics, checkpointRows): ([String], [String], [String], [String], [String])
            do {
                let raw = try SQLiteDatabase(path: path, readOnly: true)
                runs = try Self.dump(raw, "SELECT * FROM runs ORDER BY id")
                params = try Self.dump(raw, "SELECT * FROM params ORDER BY run_id, key")
                tags = try Self.dump(raw, "SELECT * FROM tags ORDER BY run_id, key")
                metrics = try Self.dump(raw, "SELECT * FROM metrics ORDER BY run_id, key_id, step")
                checkpointRows = try Self.dump(raw, """
                    SELECT id, run_id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256
                    FROM checkpoints ORDER BY id
                    """)
            }

            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs == Array(Store.knownMigrationIDs.dropFirst()))
            let backup = try #require(store.backupPath)
            #expect(FileManager.default.fileExists(atPath: backup))
            let firstRunColumns = """
                id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
                steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes
                """
            #expect(try Self.dump(store.database, "SELECT \(firstRunColumns) FROM runs ORDER BY id") == runs)
            #expect(try store.database.int64(sql: "SELECT count(*) FROM runs WHERE deleted_at IS NOT NULL") == 0)
            #expect(try Self.dump(store.database, "SELECT * FROM params ORDER BY run_id, key") == params)
            #expect(try Self.dump(store.database, "SELECT * FROM tags ORDER BY run_id, key") == tags)
            #expect(try Self.dump(store.database, "SELECT \(Self.pointColumns) FROM metrics ORDER BY run_id, key_id, step") == metrics)
            #expect(try Self.dump(store.database, """
                SELECT id, run_id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256
                FROM checkpoints ORDER BY id
                """) == checkpointRows)
            // Every blob byte is there, once: two weights blobs and two states for three checkpoints.
            #expect(try store.database.int64(sql: "SELECT count(*) FROM blobs") == 4)
            #expect(try store.checkpoint(runID: 1, step: 100)?.weights == weights)
            #expect(try store.checkpoint(runID: 1, step: 200)?.weights == otherWeights)
            #expect(try store.checkpoint(runID: 2, step: 100)?.trainerState == state1)
            #expect(try store.checkpoint(runID: 1, step: 200)?.trainerState == state2)
            // Evaluations keep their ids and values and now name their run and step.
            let evaluations = try store.evaluations(runID: 1)
            #expect(evaluations.map(\.id) == [1, 2])
            #expect(evaluations.map(\.step) == [100, 200])
            #expect(evaluations.map(\.accuracy) == [0.5, 0.9] && evaluations.map(\.loss) == [1.25, 0.25])
            #expect(evaluations[0].perClassJSON == #"[{"label":0}]"# && evaluations[1].confusionJSON == "[[5]]")
            #expect(evaluations.map(\.createdAt.timeIntervalSince1970) == [2000.25, 3000.75])
            #expect(try store.check().problems.isEmpty)
            #expect(try store.database.string(sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test func aRegistryStoreUpgradesToTrackingWithNothingLost() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/registry.sqlite"
            let earlier = embeddedMigrations.filter { $0.id < "0004" }
            let tables = ["runs", "params", "tags", "metric_keys", "metrics", "blobs", "checkpoints", "evaluations", "models",
                          "model_versions", "model_aliases", "model_tags", "model_history"]
            var before: [String: [String]] = [:]
            var runColumns = ""
            do {
                let old = try Store(path: path, migrations: earlier)
                // Written as the registry-era nnreg wrote them (today's createRun names columns it lacks).
                try old.database.execute(sql: """
                    INSERT INTO runs (id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
                        steps_done, dataset_name, dataset_sha256, nnreg_version, notes, deleted_at)
                    VALUES (1, 'trained', 'finished', 10.5, 10.5, 30.5, 30.5, 4242, 'vm', 1, 100, 100, 'mnist', 'ab', '0.1.0', 'n', NULL),
                           (2, 'deleted', 'failed', 11.5, 11.5, 12.5, 12.5, 4243, 'vm', NULL, 10, 5, NULL, NULL, '0.1.0', NULL, 40.5);
                    INSERT INTO params (run_id, key, value) VALUES (1, 'lr', 0.5), (1, 'opt', 'sgd');
                    INSERT INTO tags (run_id, key, value) VALUES (1, 'k', 'v');
                    """)
                try old.logMetrics(runID: 1, step: 100, values: [("loss", 2.5), ("accuracy", 0.5)])
                try old.saveCheckpoint(runID: 1, step: 100, weights: Data(repeating: 7, count: 4000), trainerState: Data("state".utf8))
                try old.database.execute(sql: """
                    INSERT INTO evaluations (run_id, step, checkpoint_id, weights_sha256, dataset_name, dataset_sha256, split, accuracy, created_at)
                        SELECT 1, 100, id, weights_sha256, 'mnist', 'ab', 'test', 0.75, 31.5 FROM checkpoints;
                    INSERT INTO models (id, name, description, created_at, last_version) VALUES (1, 'mnist', 'digits', 32.5, 1);
                    INSERT INTO model_versions (id, model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name,
                        dataset_sha256, test_accuracy, description, created_at, created_by, created_host)
                        SELECT 1, 1, 1, id, 1, 100, weights_sha256, 'mnist', 'ab', 0.75, 'first', 33.5, 'me', 'vm' FROM checkpoints;
                    INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (1, 'champion', 1, 34.5);
                    INSERT INTO model_tags (model_id, version, key, value) VALUES (1, 1, 't', '1');
                    INSERT INTO model_history (model_name, action, version, at, user, host) VALUES ('mnist', 'version_registered', 1, 33.5, 'me', 'vm');
                    UPDATE runs SET test_accuracy = 0.75 WHERE id = 1;  -- as migration 0003's writers keep it
                    """)
                runColumns = try Self.dump(old.database, "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')")[0]
                for table in tables {
                    before[table] = try Self.dump(old.database, "SELECT \(Self.columns(of: table, runs: runColumns)) FROM \(table) ORDER BY 1, 2")
                }
            }
            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0004" })
            #expect(store.backupPath != nil)
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT \(Self.columns(of: table, runs: runColumns)) FROM \(table) ORDER BY 1, 2") == before[table],
                        "\(table) changed")
            }
            // The new columns are empty for runs nnreg trained; the new tables start empty and work.
            #expect(try store.run(reference: "trained").command == nil)
            #expect(try store.database.int64(sql: "SELECT count(*) FROM run_output") == 0)
            #expect(try store.database.int64(sql: "SELECT count(*) FROM artifacts") == 0)
            let trained = try store.run(reference: "trained")
            try store.saveArtifact(runID: trained.id, name: "a.txt", data: Data("a".utf8))
            #expect(try store.appendOutput(runID: trained.id, bytes: Array("out".utf8)) == 0)
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
            #expect(try store.database.string(sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test func bothDialectsCarryTheSameMigrations() {
        #expect(embeddedPostgresMigrations.map(\.id) == embeddedMigrations.map(\.id))
    }

    /// The same upgrade on PostgreSQL: a database at 0004 filled as that schema allows, then opened.
    @Test(.enabled(if: StoreBackend.available.contains(.postgresql)))
    func aPostgresStoreOfTheTrackingSchemaUpgradesWithNothingLost() throws {
        try PostgresTestServer.withDatabase { url in
            let location = try PostgresLocation(url: url)
            let tables = ["runs", "params", "tags", "metrics", "metric_latest", "checkpoints", "blobs", "run_output", "artifacts"]
            var before: [String: [String]] = [:]
            do {
                let old = try Store(location: location, migrations: embeddedPostgresMigrations.filter { $0.id < "0005" })
                try old.database.execute(sql: """
                    INSERT INTO runs (name, status, created_at, host, target_steps, steps_done, command)
                        SELECT 'r' || i, 'finished', i, 'vm', 100, 100, '["python3","x.py"]' FROM generate_series(1, 40) AS i;
                    INSERT INTO params (run_id, key, value) SELECT id, 'lr', '0.5' FROM runs;
                    INSERT INTO tags (run_id, key, value) SELECT id, 'k', 'v' FROM runs
                    """)
                // As that nnreg wrote them: the Store of today needs migration 0006's and 0007's functions.
                try Self.insertPointRows(old, runID: 1, key: "loss", points: [(100, 2.5)])
                try Self.insertPointRows(old, runID: 1, key: "accuracy", points: [(100, 0.5)])
                try old.saveCheckpoint(runID: 1, step: 100, weights: Data(repeating: 7, count: 4000), trainerState: Data("s".utf8))
                try old.appendOutput(runID: 2, bytes: Array("hello\n".utf8))
                try old.saveArtifact(runID: 2, name: "a.txt", data: Data("a".utf8))
                for table in tables {
                    before[table] = try Self.dump(old.database, "SELECT \(Self.columns(of: table, runs: "*")) FROM \(table) ORDER BY 1, 2")
                }
            }
            let store = try Store(path: url)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0005" })
            for table in tables where table != "runs" {
                let after = try Self.dump(store.database, "SELECT \(Self.columns(of: table, runs: "*")) FROM \(table) ORDER BY 1, 2")
                #expect(after.sorted() == before[table]?.sorted(), "\(table) changed")
            }
            // The runs keep every column they had (uid is the new last one).
            let runsBefore = try #require(before["runs"]).map { $0 }
            let runsAfter = try Self.dump(store.database, "SELECT * FROM runs ORDER BY 1, 2")
            #expect(runsAfter.count == runsBefore.count)
            #expect(zip(runsBefore, runsAfter).allSatisfy { $1.hasPrefix($0 + "|") })
            #expect(try Self.dump(store.database, "SELECT count(*) FROM runs") == ["40"])
            let uids = try Self.dump(store.database, "SELECT uid FROM runs ORDER BY id")
            #expect(uids.count == 40 && Set(uids).count == 40 && uids.allSatisfy { $0.count == 32 })
            #expect(try store.params(runID: 1) == ["lr": .real(0.5)])
        }
    }

    @Test func aTrackingStoreUpgradesToRunUIDsWithNothingLostAndADistinctUIDForEveryRun() throws {
        try withTemporaryFolder { folder throws in
            let path = folder + "/tracking.sqlite"
            let earlier = embeddedMigrations.filter { $0.id < "0005" }
            let tables = ["runs", "params", "tags", "metric_keys", "metrics", "metric_latest", "blobs", "checkpoints", "evaluations",
                          "run_output", "artifacts", "models", "model_versions", "model_aliases", "model_tags", "model_history"]
            var before: [String: [String]] = [:]
            var runColumns = ""
            do {
                let old = try Store(path: path, migrations: earlier)
                // Written as the tracking-era nnreg wrote them (today's createRun names the uid column).
                try old.database.execute(sql: """
                    INSERT INTO runs (id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
                        steps_done, dataset_name, dataset_sha256, nnreg_version, notes, deleted_at)
                    VALUES (1, 'trained', 'finished', 10.5, 10.5, 30.5, 30.5, 4242, 'vm', 1, 100, 100, 'mnist', 'ab', '0.1.0', 'n', NULL),
                           (2, 'deleted', 'failed', 11.5, 11.5, 12.5, 12.5, 4243, 'vm', NULL, 10, 5, NULL, NULL, '0.1.0', NULL, 40.5);
                    INSERT INTO runs (id, name, status, created_at, parent_run_id, parent_step, command, cwd, git_commit, git_dirty, exit_code)
                    VALUES (3, 'tracked', 'crashed', 13.5, 1, 100, '["python3","x.py"]', '/tmp', 'abc', 1, 137);
                    INSERT INTO params (run_id, key, value) VALUES (1, 'lr', 0.5), (1, 'opt', 'sgd'), (3, 'n', 3);
                    INSERT INTO tags (run_id, key, value) VALUES (1, 'k', 'v');
                    """)
                for id in Int64(4)...Int64(50) {
                    try old.database.execute(sql: "INSERT INTO runs (id, name, status, created_at) VALUES (\(id), 'r\(id)', 'finished', \(id))")
                }
                try old.logMetrics(runID: 1, step: 100, values: [("loss", 2.5), ("accuracy", 0.5)])
                try old.logMetrics(runID: 3, step: 7, values: [("loss", 1.5)])
                try old.saveCheckpoint(runID: 1, step: 100, weights: Data(repeating: 7, count: 4000), trainerState: Data("state".utf8))
                try old.appendOutput(runID: 3, bytes: Array("hello\n".utf8))
                try old.saveArtifact(runID: 3, name: "a.txt", data: Data("a".utf8))
                try old.database.execute(sql: """
                    INSERT INTO evaluations (run_id, step, checkpoint_id, weights_sha256, dataset_name, dataset_sha256, split, accuracy, created_at)
                        SELECT 1, 100, id, weights_sha256, 'mnist', 'ab', 'test', 0.75, 31.5 FROM checkpoints;
                    UPDATE runs SET test_accuracy = 0.75 WHERE id = 1;
                    INSERT INTO models (id, name, description, created_at, last_version) VALUES (1, 'mnist', 'digits', 32.5, 1);
                    INSERT INTO model_versions (id, model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name,
                        dataset_sha256, test_accuracy, description, created_at, created_by, created_host)
                        SELECT 1, 1, 1, id, 1, 100, weights_sha256, 'mnist', 'ab', 0.75, 'first', 33.5, 'me', 'vm' FROM checkpoints;
                    INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (1, 'champion', 1, 34.5);
                    INSERT INTO model_tags (model_id, version, key, value) VALUES (1, 1, 't', '1');
                    INSERT INTO model_history (model_name, action, version, at, user, host) VALUES ('mnist', 'version_registered', 1, 33.5, 'me', 'vm');
                    """)
                runColumns = try Self.dump(old.database, "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')")[0]
                for table in tables {
                    before[table] = try Self.dump(old.database, "SELECT \(Self.columns(of: table, runs: runColumns)) FROM \(table) ORDER BY 1, 2")
                }
            }
            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0005" })
            #expect(store.backupPath != nil)
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT \(Self.columns(of: table, runs: runColumns)) FROM \(table) ORDER BY 1, 2") == before[table],
                        "\(table) changed")
            }
            // Every run has a uid of 32 lowercase hex digits, no two alike, and the Run record shows it.
            let uids = try Self.dump(store.database, "SELECT uid FROM runs ORDER BY id")
            #expect(uids.count == 50 && Set(uids).count == 50)
            #expect(uids.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
            #expect(try store.run(id: 3).uid == uids[2])
            // A run created now gets one of its own; the column refuses malformed ones.
            let new = try store.createRun(NewRun(name: "new", targetSteps: 1))
            #expect(new.uid.count == 32 && !uids.contains(new.uid))
            #expect(throws: SQLiteError.self) {
                try store.database.execute(sql: "UPDATE runs SET uid = 'ABC' WHERE id = 1")
            }
            #expect(throws: SQLiteError.self) {
                try store.database.execute(sql: "UPDATE runs SET uid = (SELECT uid FROM runs WHERE id = 2) WHERE id = 1")
            }
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// Migration 0006 (PostgreSQL's `nnreg_log_points`; nothing on SQLite): a store of the run-uid
    /// schema, filled through the Store, upgrades with every table as it was, and then logs display
    /// steps, an unknown run's step writing nothing.
    @Test(arguments: StoreBackend.available)
    func aStoreOfTheRunUIDSchemaUpgradesToOneStatementStepsWithNothingLost(backend: StoreBackend) throws {
        let earlier = { (migrations: [(id: String, sql: String)]) in migrations.filter { $0.id < "0006" } }
        let tables = ["runs", "params", "tags", "metric_keys", "metrics", "metric_latest", "blobs", "checkpoints",
                      "evaluations", "run_output", "artifacts", "models", "model_versions", "model_aliases", "model_history"]
        func fill(_ old: Store) throws -> [String: [String]] {
            let parent = try Self.insertRun(old, name: "parent", seed: 1, targetSteps: 200, params: ["lr": .real(0.5), "opt": .text("sgd")], tags: ["k": "v"])
            try Self.insertPointRows(old, runID: parent, key: "loss", points: (1...200).map { ($0, 1 / Double($0)) })
            try Self.insertPointRows(old, runID: parent, key: "accuracy", points: (1...200).map { ($0, 0.5) })
            _ = try old.saveCheckpoint(runID: parent, step: 200, weights: Data(repeating: 7, count: 4000), trainerState: Data("s".utf8))
            try old.updateRun(runID: parent, stepsDone: 200)
            try old.finishRun(runID: parent, status: .finished)
            try Self.insertRun(old, name: "child", targetSteps: 10, parentID: parent, parentStep: 200)
            try old.appendOutput(runID: parent, bytes: Array("hello\n".utf8))
            try old.saveArtifact(runID: parent, name: "a.txt", data: Data("a".utf8))
            // As that nnreg registered a version (today's registerModelVersion reads today's run columns).
            try old.database.execute(sql: """
                INSERT INTO models (id, name, description, created_at, last_version) VALUES (1, 'mnist', NULL, 33.5, 1);
                INSERT INTO model_versions (id, model_id, version, checkpoint_id, run_id, step, weights_sha256, test_accuracy,
                    description, created_at, created_by, created_host)
                    SELECT 1, 1, 1, id, run_id, step, weights_sha256, NULL, 'first', 33.5, 'me', 'vm' FROM checkpoints;
                INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (1, 'champion', 1, 34.5);
                INSERT INTO model_history (model_name, action, version, at, "user", host) VALUES ('mnist', 'version_registered', 1, 33.5, 'me', 'vm')
                """)
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try Self.dump(old.database, "SELECT \(Self.columns(of: $0, runs: "*")) FROM \($0) ORDER BY 1, 2")) })
        }
        func upgradeAndLog(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0006" })
            try Self.expectUnchanged(tables, in: store, before)
            let child = try store.run(reference: "child")
            try store.logStep(runID: child.id, step: 5, metrics: [("loss", 0.25), ("accuracy", 0.75), ("loss", 0.125)])
            #expect(try store.metricHistory(runID: child.id, key: "loss").map(\.value) == [0.125])
            #expect(try store.latestMetrics(runID: child.id) == ["loss": 0.125, "accuracy": 0.75])
            #expect(try store.run(id: child.id).stepsDone == 5)
            #expect(throws: StoreError.runNotFound("999")) {
                try store.logStep(runID: 999, step: 1, metrics: [("loss", 1), ("new_key", 2)])
            }
            #expect(try Self.dump(store.database, "SELECT count(*) FROM metrics WHERE run_id = 999") == ["0"])
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
        try Self.upgrade(on: backend, from: earlier, fill: fill, then: upgradeAndLog)
    }

    /// Migration 0007 (PostgreSQL's chunks of points; a view on SQLite): a store of the
    /// one-statement-step schema, its points logged a step at a time, upgrades with every table as
    /// it was; points logged in bulk afterwards join those rows in one history, and a step logged
    /// inside a chunk then moves it to rows.
    @Test(arguments: StoreBackend.available)
    func aStoreOfTheOneStatementStepSchemaUpgradesToChunksWithNothingLost(backend: StoreBackend) throws {
        let earlier = { (migrations: [(id: String, sql: String)]) in migrations.filter { $0.id < "0007" } }
        let tables = ["runs", "params", "metric_keys", "metrics", "metric_latest", "checkpoints", "blobs"]  // sorted by their first two columns
        func fill(_ old: Store) throws -> [String: [String]] {
            let run = try Self.insertRun(old, name: "stepped", targetSteps: 10_000, params: ["lr": .real(0.5)])
            for step in 1...300 {
                try old.logStep(runID: run, step: step, metrics: [("loss", 1 / Double(step)), ("accuracy", Double(step) / 1_000)],
                                checkpoint: step == 300 ? (Data(repeating: 3, count: 100), Data("s".utf8)) : nil,
                                wallTime: Date(timeIntervalSince1970: Double(step)))
            }
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try Self.dump(old.database, "SELECT \(Self.columns(of: $0, runs: "*")) FROM \($0) ORDER BY 1, 2")) })
        }
        func upgradeAndLog(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0007" })
            try Self.expectUnchanged(tables, in: store, before)
            #expect(try store.check().metricPoints == 600)
            let run = try store.run(reference: "stepped")
            try store.logMetrics(runID: run.id, samples: (301...5_300).map {
                MetricSample(key: "loss", step: $0, value: 1 / Double($0), wallTime: Date(timeIntervalSince1970: Double($0)))
            })
            if backend == .postgresql { #expect(try store.database.int64(sql: "SELECT count(*) FROM metric_chunks") == 1) }
            try store.logStep(runID: run.id, step: 4_000, metrics: [("loss", -4)])
            if backend == .postgresql { #expect(try store.database.int64(sql: "SELECT count(*) FROM metric_chunks") == 0) }
            let history = try store.metricHistory(runID: run.id, key: "loss")
            #expect(history.map(\.step) == Array(1...5_300))
            let values: [Double] = (1...5_300).map { step in step == 4_000 ? -4 : 1 / Double(step) }
            #expect(history.map(\.value) == values)
            #expect(try store.metricHistory(runID: run.id, key: "accuracy").count == 300)
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
        try Self.upgrade(on: backend, from: earlier, fill: fill, then: upgradeAndLog)
    }

    /// Every point as `run|key|step|value bits|wall time bits`, read as any schema from 0007 on
    /// has them (the `metric_points` view, rows and chunks alike).
    static func pointBits(_ store: Store) throws -> [String] {
        let statement = try store.database.makeStatement(
            sql: "SELECT run_id, key_id, step, value, wall_time FROM metric_points ORDER BY run_id, key_id, step")
        var rows: [String] = []
        while try statement.step() {
            rows.append("\(statement.int64(at: 0))|\(statement.int64(at: 1))|\(statement.int64(at: 2))|"
                + "\(statement.double(at: 3).bitPattern)|\(statement.double(at: 4).bitPattern)")
        }
        return rows
    }

    /// Migration 0008 (experiments; names no longer unique; points keyed by (step, seq)): a store of
    /// the chunk schema upgrades with every run in `Default` (id 0), names and every other column
    /// kept, every point kept bit for bit (rows, and on PostgreSQL chunks), and runs still found by
    /// name; a second run may then take a used name, which then names neither.
    @Test(arguments: StoreBackend.available)
    func aStoreOfTheChunkSchemaUpgradesToExperimentsWithEveryRunInDefault(backend: StoreBackend) throws {
        let earlier = { (migrations: [(id: String, sql: String)]) in migrations.filter { $0.id < "0008" } }
        let tables = ["runs", "params", "tags", "metric_keys", "metrics", "metric_latest", "checkpoints", "blobs", "evaluations"]
        let awkward: [Double] = [0.1, 1.0 / 3, -2.5, 1e-310, 5e-324, 1.7976931348623157e308, .infinity, -.infinity, 42]
        func fill(_ old: Store) throws -> (before: [String: [String]], points: [String], ids: [String: Int64]) {
            let trained = try Self.insertRun(old, name: "trained", seed: 1, targetSteps: 3_000, params: ["lr": .real(0.5)], tags: ["k": "v"])
            let forked = try Self.insertRun(old, name: "forked", targetSteps: 10, parentID: trained, parentStep: 2)
            let gone = try Self.insertRun(old, name: "gone", targetSteps: 1)
            try old.database.execute(sql: "UPDATE runs SET deleted_at = 99.5 WHERE id = \(gone)")
            // Bulk points (chunks on PostgreSQL), then steps one at a time among and after them.
            try old.logMetrics(runID: trained, samples: (1...2_000).map {
                MetricSample(key: "loss", step: $0, value: 1 / Double($0) + 1e-17 * Double($0), wallTime: Date(timeIntervalSince1970: 1e9 + Double($0) / 7))
            })
            try Self.insertPointRows(old, runID: forked, key: "odd", points: awkward.enumerated().map { ($0.offset, $0.element) })
            for step in 2_001...2_010 {
                try old.logStep(runID: trained, step: step, metrics: [("loss", Double(step) / 3), ("accuracy", 0.5)],
                                wallTime: Date(timeIntervalSince1970: 1e9 + Double(step) / 3))
            }
            try old.saveCheckpoint(runID: trained, step: 2_010, weights: Data(repeating: 5, count: 300), trainerState: Data("s".utf8))
            try old.updateRun(runID: trained, stepsDone: 2_010)
            try old.finishRun(runID: trained, status: .finished)
            if backend == .postgresql { #expect(try old.database.int64(sql: "SELECT count(*) FROM metric_chunks") == 1) }
            let before = try Dictionary(uniqueKeysWithValues: tables.map {
                ($0, try Self.dump(old.database, "SELECT \(Self.columns(of: $0, runs: "*")) FROM \($0) ORDER BY 1, 2"))
            })
            return (before, try Self.pointBits(old), ["trained": trained, "forked": forked, "gone": gone])
        }
        func upgradeAndCheck(_ store: Store, _ filled: (before: [String: [String]], points: [String], ids: [String: Int64])) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0008" })
            try Self.expectUnchanged(tables, in: store, filled.before)
            #expect(try Self.pointBits(store) == filled.points)
            #expect(try store.check().metricPoints == filled.points.count)
            let curve = try store.metricCurve(runID: filled.ids["forked"]!, key: "odd").map(\.value.bitPattern)
            #expect(curve == awkward.map(\.bitPattern))
            // Every run is in Default, which holds them all (the deleted one too).
            #expect(try Self.dump(store.database, "SELECT DISTINCT experiment_id FROM runs") == ["0"])
            let experiments = try store.experiments(lifecycle: .all)
            #expect(experiments.map(\.id) == [0] && experiments[0].name == "Default" && experiments[0].isActive)
            #expect(experiments[0].runCount == 3)
            #expect(try store.listRuns(includeDeleted: true).allSatisfy { $0.experimentID == 0 })
            #expect(try store.listRuns(experimentID: 0).map(\.name) == ["forked", "trained"])
            for (name, id) in filled.ids {
                let run = try store.run(reference: name)
                #expect(run.id == id && run.experimentID == 0 && run.name == name)
            }
            // Names are no longer unique: a second "trained" is made, and the name then means neither.
            let again = try store.createRun(NewRun(name: "trained", targetSteps: 1))
            #expect(again.experimentID == 0)
            do {
                _ = try store.run(reference: "trained")
                Issue.record("'trained' named one of two runs")
            } catch StoreError.ambiguousRunName(let name, let runs) {
                let first = try store.run(id: filled.ids["trained"]!)
                #expect(name == "trained" && runs.count == 2 && runs[0].hasPrefix(first.uid) && runs[1].hasPrefix(again.uid))
            }
            #expect(try store.run(reference: String(again.uid.prefix(8))).id == again.id)
            // A point at a step that has one now goes after it, as MLflow logs it.
            try store.appendMetrics(runID: filled.ids["forked"]!, points: [MetricSample(key: "odd", step: 0, value: -1, wallTime: Date())])
            #expect(try store.metricCurve(runID: filled.ids["forked"]!, key: "odd").prefix(2).map(\.value) == [0.1, -1])
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
        try Self.upgrade(on: backend, from: earlier, fill: fill, then: upgradeAndCheck)
    }

    /// Migration 0009 (versions of files the MLflow API names; logged models; renames in the
    /// history): a store of the experiments schema with a registry (two checkpoint versions, an
    /// alias, tags, history) upgrades with every row kept, its versions still checkpoints that
    /// references reach, and the history still append-only; then a version of a source, a rename
    /// and a logged model with a file work.
    @Test(arguments: StoreBackend.available)
    func aStoreOfTheExperimentSchemaUpgradesToSourceVersionsWithTheRegistryKept(backend: StoreBackend) throws {
        let earlier = { (migrations: [(id: String, sql: String)]) in migrations.filter { $0.id < "0009" } }
        let tables = ["models", "model_versions", "model_aliases", "model_tags", "model_history", "checkpoints"]
        func fill(_ old: Store) throws -> [String: [String]] {
            let run = try Self.insertRun(old, name: "trained", targetSteps: 20)
            try old.saveCheckpoint(runID: run, step: 10, weights: Data(repeating: 1, count: 64), trainerState: Data("a".utf8))
            try old.saveCheckpoint(runID: run, step: 20, weights: Data(repeating: 2, count: 64), trainerState: Data("b".utf8))
            // As an nnreg of that schema registered them (today's registerModelVersion names 0009's columns).
            try old.database.execute(sql: "INSERT INTO models (name, description, created_at, last_version) VALUES ('digits', 'mlp', 10.5, 2)")
            for (version, step) in [(1, 10), (2, 20)] {
                try old.database.execute(sql: """
                    INSERT INTO model_versions (model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name,
                        dataset_sha256, test_accuracy, description, created_at, created_by, created_host)
                    SELECT 1, \(version), c.id, c.run_id, c.step, c.weights_sha256, 'mnist', NULL, 0.5, NULL, 11.5, 'me', 'vm'
                    FROM checkpoints c WHERE c.run_id = \(run) AND c.step = \(step)
                    """)
            }
            try old.database.execute(sql: "INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (1, 'champion', 2, 12.5)")
            try old.database.execute(sql: "INSERT INTO model_tags (model_id, version, key, value) VALUES (1, 0, 'task', 'digits'), (1, 1, 'stage', 'dev')")
            try old.database.execute(sql: """
                INSERT INTO model_history (model_name, action, version, alias, previous_version, detail, at, "user", host)
                VALUES ('digits', 'model_created', NULL, NULL, NULL, NULL, 10.5, 'me', 'vm'),
                       ('digits', 'version_registered', 1, NULL, NULL, 'run 1 step 10', 11.5, 'me', 'vm'),
                       ('digits', 'alias_set', 2, 'champion', NULL, NULL, 12.5, 'me', 'vm')
                """)
            return try Dictionary(uniqueKeysWithValues: tables.map {
                ($0, try Self.dump(old.database, "SELECT \(Self.columns(of: $0, runs: "*")) FROM \($0) ORDER BY 1, 2"))
            })
        }
        func upgradeAndCheck(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0009" })
            try Self.expectUnchanged(tables, in: store, before)
            let versions = try store.modelVersions(name: "digits")
            #expect(versions.map(\.version) == [2, 1] && versions.allSatisfy { $0.source == nil && $0.checkpointID != nil })
            #expect(versions.allSatisfy { $0.updatedAt == $0.createdAt }, "updated_at starts as created_at")
            #expect(try store.model(named: "digits").updatedAt == Date(timeIntervalSince1970: 10.5))
            #expect(try store.resolve("digits@champion").step == 20)
            #expect(try store.resolve("digits:v1").step == 10)
            #expect(throws: (any Error).self) { try store.database.execute(sql: "DELETE FROM model_history") }
            #expect(throws: (any Error).self) { try store.database.execute(sql: "UPDATE model_history SET host = 'x'") }
            // What 0009 adds works on the upgraded store.
            let run = try store.run(reference: "trained")
            let logged = try store.createLoggedModel(experimentID: 0, name: "model", runID: run.id, modelType: nil, params: [:], tags: [:])
            let piece = try store.putArtifactPiece(Data("flavors: {}".utf8))
            try store.recordArtifact(owner: .loggedModel(logged.id), name: "MLmodel", sha256: piece, size: 11, pieces: [(piece, 11)])
            let source = try store.registerModelSource(name: "digits", source: "models:/\(logged.id)", runID: run.id, loggedModelID: logged.id)
            #expect(source.version == 3 && source.checkpointID == nil && source.runUID == run.uid)
            #expect(throws: StoreError.self) { try store.resolve("digits:v3") }
            try store.renameModel(name: "digits", to: "mnist")
            let history = try store.modelHistory(name: "mnist").map(\.action)
            #expect(history == [.modelCreated, .versionRegistered, .aliasSet, .versionRegistered, .modelRenamed], "\(history)")
            #expect(try store.collectGarbage().blobs == 0, "the logged model's file is kept")
            #expect(try store.artifacts(of: .loggedModel(logged.id)).map(\.name) == ["MLmodel"])
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
        try Self.upgrade(on: backend, from: earlier, fill: fill, then: upgradeAndCheck)
    }

    /// Migration 0010 (sweeps; runs may end `pruned`, which rebuilds SQLite's runs table): a store of
    /// the previous schema with runs of every status, experiments, metrics, params, tags and
    /// checkpoints upgrades with every row kept; then a sweep with trials and points, and a pruned run, work.
    @Test(arguments: StoreBackend.available)
    func aStoreOfTheRegistrySchemaUpgradesToSweepsWithEveryRunKept(backend: StoreBackend) throws {
        let earlier = { (migrations: [(id: String, sql: String)]) in migrations.filter { $0.id < "0010" } }
        // Runs keep their columns too, so they are compared whole (expectUnchanged expects added columns).
        let tables = ["all_runs", "experiments", "params", "tags", "metrics", "checkpoints"]
        func dump(_ store: Store, _ table: String) throws -> [String] {
            table == "all_runs"
                ? try Self.dump(store.database, "SELECT * FROM runs ORDER BY id")
                : try Self.dump(store.database, "SELECT \(Self.columns(of: table, runs: "*")) FROM \(table) ORDER BY 1, 2")
        }
        func fill(_ old: Store) throws -> [String: [String]] {
            try old.database.execute(sql: "INSERT INTO experiments (name, artifact_location, created_at, updated_at) VALUES ('lab', 'x', 1.5, 2.5)")
            for (index, status) in ["running", "finished", "failed", "interrupted", "crashed"].enumerated() {
                let run = try Self.insertRun(old, name: "r\(index)", seed: Int64(index), targetSteps: 20, params: ["lr": .real(0.5)], tags: ["k": status])
                try old.database.execute(sql: "UPDATE runs SET status = '\(status)', experiment_id = \(index % 2) WHERE id = \(run)")
                try old.logStep(runID: run, step: 10, metrics: [("loss", 0.5 + Double(index)), ("accuracy", 0.25)])
                try old.saveCheckpoint(runID: run, step: 10, weights: Data(repeating: UInt8(index), count: 32), trainerState: Data("s".utf8))
            }
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try dump(old, $0)) })
        }
        func upgradeAndSweep(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0010" })
            for table in tables { #expect(try dump(store, table).sorted() == before[table]?.sorted(), "\(table) changed") }
            #expect(try store.run(reference: "r3").status == .interrupted && store.run(reference: "r4").experimentID == 0)
            let sweep = try store.createSweep(name: "search", spec: "{}")
            #expect(throws: StoreError.duplicateSweepName("lab")) { try store.createSweep(name: "lab", spec: "{}") }
            let run = try store.run(reference: "r1")
            try store.addSweepTrial(sweepID: sweep.id, number: 0, assignment: ["lr": "0.1"], runID: run.id)
            try store.recordSweepPoint(sweepID: sweep.id, number: 0, step: 10, value: 0.75)
            try store.recordSweepPoint(sweepID: sweep.id, number: 0, step: 10, value: 0.5)
            try store.updateSweepTrial(sweepID: sweep.id, number: 0, state: "pruned", step: 10, savedSteps: 10)
            try store.finishRun(runID: run.id, status: .pruned)
            let trial = try #require(try store.sweepTrials(sweepID: sweep.id).first)
            #expect(trial.assignment == ["lr": "0.1"] && trial.points == [10: 0.5] && trial.state == "pruned" && trial.resumed == 1)
            #expect(try store.run(id: run.id).status == .pruned && store.sweepPoints(sweepID: sweep.id, step: 10).count == 1)
            #expect(try store.experiment(id: sweep.experimentID).name == "search")
            let problems = try store.check().problems
            #expect(problems.isEmpty, "\(problems)")
        }
        try Self.upgrade(on: backend, from: earlier, fill: fill, then: upgradeAndSweep)
    }
}
