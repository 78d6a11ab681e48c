import CSQLite
import Foundation
import TestSupport
import Testing

@testable import Store

/// A reader that keeps one connection open (the scoring endpoint's, the pages') sees what another
/// connection committed at its next read: no statement of a resolution keeps a read transaction open.
@Suite struct ReaderFreshnessTests {
    @Test(arguments: StoreBackend.available) func aReaderResolvesAnAliasMovedByAnotherConnectionAtOnce(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try ModelRegistryTests().makeRun(store, name: "r")
            try store.registerModelVersion(name: "m", runID: run.id, step: 100, aliases: ["champion"])
            try store.registerModelVersion(name: "m", runID: run.id, step: 200)
            let reader = try Store(readingOnly: store.path)
            var seen = try reader.dataVersion()
            for move in 0..<20 {
                let target = move % 2 == 0 ? 2 : 1
                try store.setModelAlias(name: "m", alias: "champion", version: target)
                let version = try reader.dataVersion()
                #expect(version != seen, "move \(move): the reader's data version did not change")
                seen = version
                let resolved = try reader.resolve("m@champion")
                #expect(resolved.modelVersion?.version == target, "move \(move)")
                let infos = try reader.checkpoints(runID: resolved.run.id)
                #expect(try reader.checkpoint(runID: resolved.run.id, step: resolved.step ?? 0) != nil && infos.count == 2)
                if let sqlite = reader.database as? SQLiteDatabase {
                    var busy: [String] = []
                    var statement = sqlite3_next_stmt(sqlite.handle, nil)
                    while let open = statement {
                        if sqlite3_stmt_busy(open) != 0 { busy.append(String(cString: sqlite3_sql(open))) }
                        statement = sqlite3_next_stmt(sqlite.handle, open)
                    }
                    #expect(busy.isEmpty, "statements left open: \(busy)")
                }
            }
        }
    }
}
