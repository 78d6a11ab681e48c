import Foundation
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
                let raw = try Database(path: path)
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
                runID = try old.createRun(NewRun(name: "kept", targetSteps: 5)).id
                try old.logMetrics(runID: runID, step: 1, values: [("loss", 2.0)])
            }
            let next = first + [(id: "0002_test", sql: "CREATE TABLE extra (x INTEGER) STRICT;")]
            let store = try Store(path: path, migrations: next)
            let backupPath = try #require(store.backupPath)
            #expect(backupPath == path + ".backup-before-0002_test")
            #expect(store.appliedMigrationIDs == ["0002_test"])
            #expect(try count(store.database, "extra") == 0)

            // The backup is the store as it was: the run, and only the first migration.
            let backup = try Database(path: backupPath, readOnly: true)
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
