import Foundation
import TestSupport
import Testing

@testable import Store

/// The model registry, content-addressed blobs and housekeeping, at the Store level.
@Suite struct ModelRegistryTests {
    /// A finished run with checkpoints at `steps` (distinct weights each) and a test evaluation of each.
    @discardableResult
    func makeRun(_ store: Store, name: String, steps: [Int] = [100, 200], accuracy: Double = 0.9) throws -> Run {
        let run = try store.createRun(NewRun(name: name, targetSteps: steps.last ?? 0, datasetName: "mnist", datasetSHA256: "ab"))
        for step in steps {
            let weights = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* (step + Int(run.id))) })
            try store.saveCheckpoint(runID: run.id, step: step, weights: weights, trainerState: Data("state \(step)".utf8))
            try store.addEvaluation(NewEvaluation(
                runID: run.id, step: step, datasetName: "mnist", datasetSHA256: "ab", split: "test",
                accuracy: accuracy * Double(step) / Double(steps.last!)))
        }
        try store.updateRun(runID: run.id, stepsDone: steps.last ?? 0)
        try store.finishRun(runID: run.id, status: .finished)
        return try store.run(id: run.id)
    }

    @Test(arguments: StoreBackend.available) func versionsAreNumberedAndNeverReused(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try makeRun(store, name: "r")
            let v1 = try store.registerModelVersion(name: "mnist", runID: run.id, step: 200, description: "first", tags: ["stage": "dev"])
            #expect(v1.version == 1 && v1.step == 200 && v1.testAccuracy == 0.9 && v1.datasetSHA256 == "ab")
            #expect(v1.weightsSHA256 == (try store.checkpoints(runID: run.id).last?.weightsSHA256))
            #expect(v1.createdBy == Store.userName && v1.createdHost == Store.hostName && v1.tags == ["stage": "dev"])
            let v2 = try store.registerModelVersion(name: "mnist", runID: run.id, step: 100)
            #expect(v2.version == 2 && v2.testAccuracy == 0.45)
            try store.deleteModelVersion(name: "mnist", version: 2)
            #expect(try store.registerModelVersion(name: "mnist", runID: run.id, step: 100).version == 3)
            #expect(try store.model(named: "mnist").latestVersion == 3)
            #expect(throws: StoreError.modelVersionNotFound(model: "mnist", version: 2, existing: [1, 3])) {
                try store.modelVersion(name: "mnist", version: 2)
            }
            #expect(throws: StoreError.checkpointNotFound(runID: run.id, step: 150)) {
                try store.registerModelVersion(name: "mnist", runID: run.id, step: 150)
            }
            #expect(throws: StoreError.invalidModelName("12")) { try store.registerModelVersion(name: "12", runID: run.id, step: 100) }
            // Registering the same checkpoint again stores no new blob.
            let blobs = try store.database.int64(sql: "SELECT count(*) FROM blobs")
            try store.registerModelVersion(name: "other", runID: run.id, step: 200)
            #expect(try store.database.int64(sql: "SELECT count(*) FROM blobs") == blobs)
        }
    }

    @Test(arguments: StoreBackend.available) func aliasesMoveAtomicallyAndEveryChangeIsInTheHistory(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try makeRun(store, name: "r")
            try store.registerModelVersion(name: "m", runID: run.id, step: 100, aliases: ["champion"])
            try store.registerModelVersion(name: "m", runID: run.id, step: 200)
            #expect(try store.modelVersion(name: "m", alias: "champion").version == 1)
            #expect(try store.setModelAlias(name: "m", alias: "champion", version: 2) == 1)
            #expect(try store.modelVersion(name: "m", alias: "champion").version == 2)
            #expect(try store.modelVersion(name: "m", alias: "latest").version == 2)
            #expect(throws: StoreError.versionHasAliases(model: "m", version: 2, aliases: ["champion"])) {
                try store.deleteModelVersion(name: "m", version: 2)
            }
            #expect(try store.modelVersion(name: "m", version: 2).aliases == ["champion"])
            try store.deleteModelVersion(name: "m", version: 2, force: true)
            #expect(throws: StoreError.aliasNotFound(model: "m", alias: "champion", existing: [:])) {
                try store.modelVersion(name: "m", alias: "champion")
            }
            #expect(throws: StoreError.invalidAlias("latest")) { try store.setModelAlias(name: "m", alias: "latest", version: 1) }
            let history = try store.modelHistory(name: "m").map { "\($0.action.rawValue) \($0.version.map(String.init) ?? "-") \($0.alias ?? "-") \($0.previousVersion.map(String.init) ?? "-")" }
            #expect(history == [
                "model_created - - -", "version_registered 1 - -", "alias_set 1 champion -", "version_registered 2 - -",
                "alias_moved 2 champion 1", "alias_removed - champion 2", "version_deleted 2 - -",
            ])
            #expect(try store.modelHistory(name: "m").allSatisfy { $0.user == Store.userName && $0.host == Store.hostName })
            // Append-only: SQLite itself refuses to edit or remove history.
            // The triggers refuse it, in either dialect.
            #expect(throws: (any Error).self) { try store.database.execute(sql: #"UPDATE model_history SET "user" = 'x'"#) }
            #expect(throws: (any Error).self) { try store.database.execute(sql: "DELETE FROM model_history") }
            try store.deleteModel(name: "m")
            #expect(throws: StoreError.modelNotFound("m")) { try store.model(named: "m") }
            #expect(try store.modelHistory(name: "m").last?.action == .modelDeleted)
        }
    }

    @Test(arguments: StoreBackend.available) func referencesResolveAndAmbiguityShowsBothReadings(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try makeRun(store, name: "r")
            try store.registerModelVersion(name: "m", runID: run.id, step: 100, aliases: ["prod"])
            #expect(try store.resolve("r").step == nil)
            #expect(try store.resolve("r@100").step == 100)
            for text in ["m@prod", "m:v1", "models:/m@prod", "models:/m/1", "models:/m/latest", "m@latest"] {
                let resolved = try store.resolve(text)
                #expect(resolved.run.id == run.id && resolved.step == 100 && resolved.modelVersion?.version == 1, "\(text)")
            }
            #expect(throws: StoreError.aliasNotFound(model: "m", alias: "staging", existing: ["prod": 1])) { try store.resolve("m@staging") }
            #expect(throws: StoreError.modelVersionNotFound(model: "m", version: 9, existing: [1])) { try store.resolve("m:v9") }
            #expect(throws: StoreError.runNotFound("nothing")) { try store.resolve("nothing") }
            // A run whose name reads as a model reference (possible in older stores) is ambiguous.
            try store.database.execute(sql: "UPDATE runs SET name = 'm:v1' WHERE id = \(run.id)")
            let error = try #require(throws: StoreError.self) { try store.resolve("m:v1") }
            guard case .ambiguousReference(_, let readings) = error else { Issue.record("\(error)"); return }
            #expect(readings == ["run 'm:v1' (its latest checkpoint)", "model 'm' version 1"])
            #expect(try store.resolve("models:/m/1").modelVersion?.version == 1)
        }
    }

    @Test(arguments: StoreBackend.available) func aRunShowsItsLatestCheckpointsTestAccuracy(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try makeRun(store, name: "r", steps: [100, 200], accuracy: 0.9)
            #expect(try store.listRuns().first?.testAccuracy == 0.9)
            // A later evaluation of an early checkpoint does not replace the run's figure…
            try store.addEvaluation(NewEvaluation(runID: run.id, step: 100, datasetName: "mnist", datasetSHA256: "ab", split: "test", accuracy: 0.1))
            #expect(try store.listRuns().first?.testAccuracy == 0.9)
            #expect(try store.testAccuracy(runID: run.id) == 0.9)
            // …and every evaluation stays visible.
            #expect(try store.evaluations(runID: run.id).map(\.accuracy) == [0.45, 0.9, 0.1])
        }
    }

    @Test(arguments: StoreBackend.available) func deletedRunsHideAndGcGivesTheSpaceBack(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, path throws in
            let kept = try makeRun(store, name: "kept", steps: [100, 200, 300, 400])
            let used = try makeRun(store, name: "used")
            try store.registerModelVersion(name: "m", runID: used.id, step: 100)
            let fork = try store.createRun(NewRun(name: "fork", targetSteps: 500, parentRunID: kept.id, parentStep: 200))
            var doomed: [Int64] = []
            for index in 0..<20 {
                let run = try makeRun(store, name: "doomed-\(index)", steps: [100, 200])
                try store.logMetrics(runID: run.id, samples: (0..<500).map { MetricSample(key: "loss", step: $0, value: 1, wallTime: Date()) })
                doomed.append(run.id)
            }
            #expect(throws: StoreError.runUsedByModels(run: "\(used.id) used", versions: ["m:v1"])) { try store.deleteRuns(ids: [used.id]) }
            try store.deleteRuns(ids: doomed)
            #expect(try store.listRuns().map(\.name).sorted() == ["fork", "kept", "used"])
            #expect(try store.listRuns(includeDeleted: true).count == 23)
            try store.restoreRuns(ids: [doomed[0]])
            #expect(try store.listRuns().count == 4)
            try store.deleteRuns(ids: [doomed[0]])

            let dry = try store.collectGarbage(keepLast: 1, dryRun: true)
            #expect(dry.purgedRuns == doomed && dry.metricPoints == 20 * 500)
            #expect(try store.listRuns(includeDeleted: true).count == 23)  // nothing changed
            let report = try store.collectGarbage(keepLast: 1)
            #expect(report == GarbageReport(
                purgedRuns: doomed, metricPoints: 10_000, checkpoints: dry.checkpoints, blobs: dry.blobs, blobBytes: dry.blobBytes,
                fileBytesBefore: report.fileBytesBefore, fileBytesAfter: report.fileBytesAfter, isDryRun: false))
            #expect(report.fileBytesAfter < report.fileBytesBefore)
            // kept: 400 (latest) and 200 (fork point) stay; used: 200 (latest) and 100 (model version) stay.
            #expect(try store.checkpoints(runID: kept.id).map(\.step) == [200, 400])
            #expect(try store.checkpoints(runID: used.id).map(\.step) == [100, 200])
            #expect(try store.evaluations(runID: kept.id).count == 4)  // evaluations outlive their checkpoints
            #expect(try store.evaluations(runID: kept.id).first?.checkpointID == nil)
            #expect(try store.run(id: fork.id).parentRunID == kept.id)
            #expect(try store.check().problems.isEmpty)
            #expect(try store.database.int64(sql: "SELECT count(*) FROM metric_points WHERE run_id IN (\(doomed.map(String.init).joined(separator: ",")))") == 0)
            if backend == .sqlite {
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
                #expect(size == report.fileBytesAfter)
            }
        }
    }

    @Test(arguments: StoreBackend.available) func checkReportsUnreferencedBlobsAndVersionsWithoutWeights(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try makeRun(store, name: "r")
            try store.registerModelVersion(name: "m", runID: run.id, step: 100)
            try store.putBlob(Data("stray".utf8))
            #expect(try store.check().problems.map(\.kind) == ["unreferenced_blob"])
            _ = try store.collectGarbage()
            #expect(try store.check().problems.isEmpty)
            try store.database.execute(sql: "DELETE FROM blobs WHERE sha256 = (SELECT weights_sha256 FROM model_versions)")
            #expect(Set(try store.check().problems.map(\.kind)) == ["corrupt_blob", "model_version_missing_blob"])
        }
    }
}
