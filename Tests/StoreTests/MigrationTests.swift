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
            #expect(try Self.dump(store.database, "SELECT * FROM metrics ORDER BY run_id, key_id, step") == metrics)
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
                    before[table] = try Self.dump(old.database, "SELECT \(table == "runs" ? runColumns : "*") FROM \(table) ORDER BY 1, 2")
                }
            }
            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0004" })
            #expect(store.backupPath != nil)
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT \(table == "runs" ? runColumns : "*") FROM \(table) ORDER BY 1, 2") == before[table],
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
                for table in tables { before[table] = try Self.dump(old.database, "SELECT * FROM \(table) ORDER BY 1, 2") }
            }
            let store = try Store(path: url)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0005" })
            for table in tables where table != "runs" {
                #expect(try Self.dump(store.database, "SELECT * FROM \(table) ORDER BY 1, 2") == before[table], "\(table) changed")
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
                    before[table] = try Self.dump(old.database, "SELECT \(table == "runs" ? runColumns : "*") FROM \(table) ORDER BY 1, 2")
                }
            }
            let store = try Store(path: path)
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0005" })
            #expect(store.backupPath != nil)
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT \(table == "runs" ? runColumns : "*") FROM \(table) ORDER BY 1, 2") == before[table],
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
            let parent = try old.createRun(NewRun(name: "parent", seed: 1, targetSteps: 200, params: ["lr": .real(0.5), "opt": .text("sgd")], tags: ["k": "v"]))
            try Self.insertPointRows(old, runID: parent.id, key: "loss", points: (1...200).map { ($0, 1 / Double($0)) })
            try Self.insertPointRows(old, runID: parent.id, key: "accuracy", points: (1...200).map { ($0, 0.5) })
            _ = try old.saveCheckpoint(runID: parent.id, step: 200, weights: Data(repeating: 7, count: 4000), trainerState: Data("s".utf8))
            try old.updateRun(runID: parent.id, stepsDone: 200)
            try old.finishRun(runID: parent.id, status: .finished)
            _ = try old.createRun(NewRun(name: "child", targetSteps: 10, parentRunID: parent.id, parentStep: 200))
            try old.appendOutput(runID: parent.id, bytes: Array("hello\n".utf8))
            try old.saveArtifact(runID: parent.id, name: "a.txt", data: Data("a".utf8))
            try old.registerModelVersion(name: "mnist", runID: parent.id, step: 200, description: "first", aliases: ["champion"])
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try Self.dump(old.database, "SELECT * FROM \($0) ORDER BY 1, 2")) })
        }
        func upgradeAndLog(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0006" })
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT * FROM \(table) ORDER BY 1, 2") == before[table], "\(table) changed")
            }
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
            let run = try old.createRun(NewRun(name: "stepped", targetSteps: 10_000, params: ["lr": .real(0.5)]))
            for step in 1...300 {
                try old.logStep(runID: run.id, step: step, metrics: [("loss", 1 / Double(step)), ("accuracy", Double(step) / 1_000)],
                                checkpoint: step == 300 ? (Data(repeating: 3, count: 100), Data("s".utf8)) : nil,
                                wallTime: Date(timeIntervalSince1970: Double(step)))
            }
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try Self.dump(old.database, "SELECT * FROM \($0) ORDER BY 1, 2")) })
        }
        func upgradeAndLog(_ store: Store, _ before: [String: [String]]) throws {
            #expect(store.appliedMigrationIDs == Store.knownMigrationIDs.filter { $0 >= "0007" })
            for table in tables {
                #expect(try Self.dump(store.database, "SELECT * FROM \(table) ORDER BY 1, 2") == before[table], "\(table) changed")
            }
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
}
