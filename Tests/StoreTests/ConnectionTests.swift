import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Store

@Suite struct ConnectionTests {
    @Test func walForeignKeysAndSynchronousAreOn() throws {
        try withTemporaryStore { store, _ throws in
            #expect(try store.database.string(sql: "PRAGMA journal_mode") == "wal")
            #expect(try store.database.int64(sql: "PRAGMA foreign_keys") == 1)
            #expect(try store.database.int64(sql: "PRAGMA synchronous") == 1)  // NORMAL
            #expect(try store.database.string(sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test(arguments: StoreBackend.available) func rollbackLeavesNothing(backend: StoreBackend) throws {
        struct Boom: Error {}
        try withTemporaryStore(on: backend) { store, _ throws in
            #expect(throws: Boom.self) {
                try store.inTransaction {
                    let run = try store.createRun(NewRun(targetSteps: 10, params: ["lr": .real(0.1)]))
                    try store.logMetrics(runID: run.id, step: 1, values: [("loss", 1.5)])
                    throw Boom()
                }
            }
            #expect(try count(store.database, "runs") == 0)
            #expect(try count(store.database, "params") == 0)
            #expect(try count(store.database, "metrics") == 0)
            #expect(try count(store.database, "metric_keys") == 0)
            // The key cache was cleared with the rollback, so logging works again.
            let run = try store.createRun(NewRun(targetSteps: 10))
            try store.logMetrics(runID: run.id, step: 1, values: [("loss", 1.5)])
            #expect(try store.metricHistory(runID: run.id, key: "loss").map(\.value) == [1.5])
        }
    }

    @Test(arguments: StoreBackend.available) func nestedTransactionRollsBackToItsSavepoint(backend: StoreBackend) throws {
        struct Boom: Error {}
        try withTemporaryStore(on: backend) { store, _ throws in
            try store.inTransaction {
                _ = try store.createRun(NewRun(name: "outer", targetSteps: 1))
                #expect(throws: Boom.self) {
                    try store.inTransaction {
                        _ = try store.createRun(NewRun(name: "inner", targetSteps: 1))
                        throw Boom()
                    }
                }
                _ = try store.createRun(NewRun(name: "after", targetSteps: 1))
            }
            #expect(try store.listRuns().map(\.name).sorted() == ["after", "outer"])
        }
    }

    /// A statement that fails inside a savepoint (on PostgreSQL sent without waiting, its error read
    /// at the end of the savepoint) rolls back to that savepoint only; the outer transaction goes on.
    @Test(arguments: StoreBackend.available) func aFailedStatementInASavepointLeavesTheOuterTransaction(
        backend: StoreBackend
    ) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            try store.inTransaction {
                _ = try store.createRun(NewRun(name: "outer", targetSteps: 1))
                var failed = false
                do {
                    try store.inTransaction {
                        let insert = try store.database.makeStatement(sql: "INSERT INTO metric_keys (key) VALUES (?)")
                        for _ in 0..<2 {
                            try insert.bind("twice", at: 1)
                            try insert.execute()
                        }
                    }
                } catch {
                    failed = true
                }
                #expect(failed)
                _ = try store.createRun(NewRun(name: "after", targetSteps: 1))
            }
            #expect(try store.listRuns().map(\.name).sorted() == ["after", "outer"])
            #expect(try count(store.database, "metric_keys") == 0)
        }
    }

    @Test func errorCarriesCodeMessageAndSQLButNotBoundValues() throws {
        try withTemporaryStore { store, _ throws in
            let insert = "INSERT INTO metric_keys (key) VALUES (?)"
            let statement = try store.database.makeStatement(sql: insert)
            try statement.bind("secret-value-42", at: 1)
            try statement.execute()
            try statement.bind("secret-value-42", at: 1)
            let error = try #require(throws: SQLiteError.self) { try statement.execute() }
            #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.code == 19)  // SQLITE_CONSTRAINT
            #expect(error.message.contains("UNIQUE constraint failed: metric_keys.key"))
            #expect(error.sql == insert)
            #expect(!error.description.contains("secret-value-42"))
            #expect(error.description.contains(insert))

            let syntax = try #require(throws: SQLiteError.self) {
                _ = try store.database.makeStatement(sql: "SELEKT 1")
            }
            #expect(syntax.code == 1)
            #expect(syntax.sql == "SELEKT 1")
        }
    }

    @Test func postgresErrorsCarrySQLStateMessageAndSQLButNotBoundValues() throws {
        guard StoreBackend.available.contains(.postgresql) else { return }
        try withTemporaryStore(on: .postgresql) { store, _ throws in
            let insert = "INSERT INTO metric_keys (key) VALUES (?)"
            let statement = try store.database.makeStatement(sql: insert)
            try statement.bind("secret-value-42", at: 1)
            try statement.execute()
            try statement.bind("secret-value-42", at: 1)
            let error = try #require(throws: PostgresClientError.self) { try statement.execute() }
            #expect(error.sqlState == "23505")  // unique_violation
            #expect(error.message.contains("metric_keys_key_key"))
            #expect(error.sql == "INSERT INTO metric_keys (key) VALUES ($1)")
            #expect(!error.description.contains("secret-value-42"))
            let syntax = try #require(throws: PostgresClientError.self) {
                try store.database.makeStatement(sql: "SELEKT 1").execute()
            }
            #expect(syntax.sqlState == "42601")  // syntax_error
        }
    }

    @Test(arguments: StoreBackend.available) func foreignKeysAreEnforced(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            switch backend {
            case .sqlite:
                let error = try #require(throws: SQLiteError.self) {
                    try store.saveCheckpoint(runID: 999, step: 1, weights: Data(), trainerState: Data())
                }
                #expect(error.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
            case .postgresql:
                let error = try #require(throws: PostgresClientError.self) {
                    try store.saveCheckpoint(runID: 999, step: 1, weights: Data(), trainerState: Data())
                }
                #expect(error.sqlState == "23503")  // foreign_key_violation
            }
            // metrics has no foreign keys; the store checks the run itself.
            #expect(throws: StoreError.runNotFound("999")) {
                try store.logMetrics(runID: 999, step: 1, values: [("loss", 1)])
            }
            #expect(throws: StoreError.runNotFound("999")) {
                try store.logMetrics(runID: 999, samples: [MetricSample(key: "loss", step: 1, value: 1, wallTime: Date())])
            }
        }
    }
}
