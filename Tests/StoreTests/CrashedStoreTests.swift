import Foundation
import Testing

@testable import Store

/// A process killed in the middle of a transaction made before write-ahead logging is on (while it
/// creates the store) leaves a hot rollback journal, which only a read-write connection may roll
/// back. The store must still open, for writing and for reading, at its last commit, instead of
/// claiming to be read-only on every open (`TortureTests` met this once).
@Suite struct CrashedStoreTests {
    @Test func aHotRollbackJournalIsRolledBackAndTheStoreOpens() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-crashed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A live transaction in rollback-journal mode, its cache too small to hold it: pages are
        // already in the file and their old contents in the journal. Copied now, it is a crash.
        let live = folder + "/live.sqlite"
        let writer = try SQLiteDatabase(path: live)
        try writer.execute(sql: "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 2; CREATE TABLE kept (x BLOB); INSERT INTO kept VALUES (zeroblob(100000))")
        try writer.execute(sql: "BEGIN; UPDATE kept SET x = zeroblob(200000); INSERT INTO kept VALUES (zeroblob(300000))")
        for (index, name) in ["crashed.sqlite", "crashed-reader.sqlite"].enumerated() {
            let path = folder + "/" + name
            for suffix in ["", "-journal"] { try FileManager.default.copyItem(atPath: live + suffix, toPath: path + suffix) }
            // Before the rollback, both failed with "… is read-only. Check the permissions …". The
            // file holds no migrations: the writer makes it a store, the reader says it needs one.
            if index == 0 {
                let store = try Store(path: path)
                #expect(try store.database.int64(sql: "SELECT count(*) FROM kept") == 1)
                #expect(try store.database.int64(sql: "SELECT length(x) FROM kept") == 100_000)
            } else {
                do {
                    _ = try Store(readingOnly: path)
                    Issue.record("a file without migrations opened as a store")
                } catch StoreError.needsUpgrade {
                } catch {
                    Issue.record("\(error)")
                }
                let reader = try SQLiteDatabase.reading(path: path)
                #expect(try reader.int64(sql: "SELECT length(x) FROM kept") == 100_000)
            }
            #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
        }
    }
}
