import Foundation
import TestSupport
import Testing

@testable import Store

@Suite struct RegistryTests {
    @Test(arguments: StoreBackend.available) func runsAreFoundByIDAndName(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let named = try store.createRun(NewRun(name: "first-run", seed: 7, targetSteps: 3000))
            let generated = try store.createRun(NewRun(targetSteps: 10))
            #expect(generated.name.split(separator: "-").count == 3)
            #expect(try store.run(reference: "first-run") == named)
            #expect(try store.run(reference: String(named.id)) == named)
            #expect(try store.run(reference: generated.name).id == generated.id)
            #expect(named.status == .running)
            #expect(named.pid == getpid())
            #expect(named.seed == 7)
            #expect(throws: StoreError.runNotFound("nope")) { try store.run(reference: "nope") }
            #expect(throws: StoreError.runNotFound("4242")) { try store.run(reference: "4242") }
            // Names may repeat: a second run takes a used name, and the name then means neither.
            let again = try store.createRun(NewRun(name: "first-run", targetSteps: 1))
            #expect(again.name == "first-run" && again.uid != named.uid)
            do {
                _ = try store.run(reference: "first-run")
                Issue.record("a name two runs share named one of them")
            } catch StoreError.ambiguousRunName(let name, let runs) {
                #expect(name == "first-run" && runs.count == 2)
                #expect(runs[0].hasPrefix(named.uid) && runs[1].hasPrefix(again.uid), "\(runs)")
                let message = StoreError.ambiguousRunName(name, runs: runs).description
                #expect(message.contains(named.uid) && message.contains(again.uid) && message.contains("started"))
            }
            #expect(try store.run(reference: named.uid) == named)
            #expect(try store.run(reference: String(again.uid.prefix(8))).id == again.id)
            #expect(try store.run(reference: String(again.id)).id == again.id)
            #expect(throws: StoreError.invalidRunName("123")) {
                try store.createRun(NewRun(name: "123", targetSteps: 1))
            }
        }
    }

    @Test(arguments: StoreBackend.available) func paramsKeepTheirTypes(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let params: [String: ParamValue] = ["batch": .int(256), "lr": .real(0.001), "opt": .text("sgd")]
            let run = try store.createRun(NewRun(targetSteps: 1, params: params, tags: ["team": "a"]))
            #expect(try store.params(runID: run.id) == params)
            try store.addTags(["goal": "baseline"], runID: run.id)
            #expect(try store.tags(runID: run.id) == ["team": "a", "goal": "baseline"])
            let json = try JSONEncoder().encode(params)
            #expect(try JSONDecoder().decode([String: ParamValue].self, from: json) == params)
        }
    }

    @Test(arguments: StoreBackend.available) func metricsAreStoredInFullAndInOrder(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(targetSteps: 300))
            for step in stride(from: 300, through: 100, by: -100) {
                try store.logMetrics(runID: run.id, step: step, values: ["loss": Double(step), "accuracy": 0.5])
            }
            let history = try store.metricHistory(runID: run.id, key: "loss")
            #expect(history.map(\.step) == [100, 200, 300])
            #expect(history.map(\.value) == [100, 200, 300])
            #expect(try store.metricHistory(runID: run.id, key: "unknown").isEmpty)
            #expect(try store.metricKeys(runID: run.id) == ["accuracy", "loss"])
        }
    }

    /// A batch of points: new steps (PostgreSQL's plain inserts, in statements of 10,000 rows) with a
    /// point given twice across the boundary between two statements, then a batch that replaces
    /// stored points (the upsert path). The later value wins each time, on both backends.
    @Test(arguments: StoreBackend.available) func aBatchKeepsTheLaterOfTwoPointsAndReplacesStoredOnes(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(targetSteps: 10_000))
            let time = Date(timeIntervalSince1970: 1_000)
            var samples = (1...10_000).map { MetricSample(key: "loss", step: $0, value: Double($0), wallTime: time) }
            samples.append(MetricSample(key: "loss", step: 10_000, value: -1, wallTime: time))
            samples.append(MetricSample(key: "accuracy", step: 3, value: 0.5, wallTime: time))
            try store.logMetrics(runID: run.id, samples: samples)
            var history = try store.metricHistory(runID: run.id, key: "loss")
            #expect(history.count == 10_000 && history.map(\.step) == Array(1...10_000))
            #expect(history.last?.value == -1 && history[4_999].value == 5_000)
            try store.logMetrics(runID: run.id, samples: [
                MetricSample(key: "loss", step: 5_000, value: 0.25, wallTime: time),
                MetricSample(key: "loss", step: 10_001, value: 0.125, wallTime: time),
            ])
            history = try store.metricHistory(runID: run.id, key: "loss")
            #expect(history.count == 10_001 && history[4_999].value == 0.25 && history.last?.value == 0.125)
            #expect(try store.latestMetrics(runID: run.id) == ["loss": 0.125, "accuracy": 0.5])
            #expect(throws: StoreError.runNotFound("999")) { try store.logMetrics(runID: 999, samples: samples) }
        }
    }

    /// Bulk points (on PostgreSQL chunks of arrays, migration 0007), steps logged inside and beside
    /// them, a batch that replaces some: every reader sees each point once, by step, the later value
    /// where one was given twice; pages of any size read the same; a purge counts and removes all.
    @Test(arguments: StoreBackend.available) func bulkPointsAndStepsAmongThemReadAsOneHistory(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(targetSteps: 40_000))
            func samples(_ steps: ClosedRange<Int>, _ value: (Int) -> Double) -> [MetricSample] {
                steps.map { MetricSample(key: "loss", step: $0, value: value($0), wallTime: Date(timeIntervalSince1970: Double($0))) }
            }
            var expected = [Int: Double]()
            func log(_ batch: [MetricSample]) throws {
                try store.logMetrics(runID: run.id, samples: batch)
                for sample in batch where sample.key == "loss" { expected[sample.step] = sample.value }
            }
            try log(samples(1...25_000) { Double($0) } + (1...500).map { MetricSample(key: "accuracy", step: $0 * 10, value: 0.5, wallTime: Date()) })
            if backend == .postgresql {  // three chunks of loss; 500 points of accuracy are rows
                #expect(try store.database.int64(sql: "SELECT count(*) FROM metric_chunks") == 3)
                #expect(try store.database.int64(sql: "SELECT count(*) FROM metrics") == 500)
            }
            try store.logStep(runID: run.id, step: 12_345, metrics: [("loss", -1)])  // inside the second chunk
            expected[12_345] = -1
            try log(samples(24_990...25_010) { -Double($0) })  // replaces 11 points, adds 10
            try log(samples(30_001...40_000) { Double($0) / 2 })
            try store.logStep(runID: run.id, step: 27_000, metrics: [("loss", 7)])  // between chunks
            expected[27_000] = 7
            let history = try store.metricHistory(runID: run.id, key: "loss")
            #expect(history.map(\.step) == expected.keys.sorted())
            let wrong = zip(history, expected.keys.sorted()).filter { $0.0.value != expected[$0.1]! }.prefix(3).map { "\($0.0.step): \($0.0.value) not \(expected[$0.1]!)" }
            #expect(wrong.isEmpty, "\(wrong)")
            #expect(history.first?.wallTime == Date(timeIntervalSince1970: 1) && history[20_000].wallTime == Date(timeIntervalSince1970: 20_001))
            #expect(try store.metricCurve(runID: run.id, key: "loss").map(\.value) == history.map(\.value))
            #expect(try store.latestMetrics(runID: run.id)["loss"] == 20_000)
            let keyID = try #require(try store.metricKeyID("loss", create: false))
            for limit in [333, 7_777, 10_000, 50_000] {
                var paged: [Int64] = [], values: [Double] = []
                try store.forEachMetricPage(runID: run.id, keyID: keyID, limit: limit) { page in
                    #expect(page.count <= limit && page.seqs.allSatisfy { $0 == 0 })
                    paged += page.steps
                    values += page.values
                }
                #expect(paged == history.map { Int64($0.step) } && values == history.map(\.value), "pages of \(limit)")
            }
            #expect(try store.metricKeys(runID: run.id) == ["accuracy", "loss"])
            let report = try store.check()
            #expect(report.problems.isEmpty, "\(report.problems)")
            #expect(report.metricPoints == expected.count + 500)
            #expect(try store.purgeRun(id: run.id) == expected.count + 500)
            #expect(try store.check().metricPoints == 0)
        }
    }

    @Test(arguments: StoreBackend.available) func checkpointsRoundTripAndCorruptionNamesRunAndStep(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(targetSteps: 200))
            let weights = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
            let state = Data([1, 2, 3])
            try store.saveCheckpoint(runID: run.id, step: 100, weights: weights, trainerState: state)
            try store.saveCheckpoint(runID: run.id, step: 200, weights: weights, trainerState: Data())
            #expect(try store.checkpoints(runID: run.id).map(\.step) == [100, 200])
            let loaded = try #require(try store.checkpoint(runID: run.id, step: 100))
            #expect(loaded.weights == weights)
            #expect(loaded.trainerState == state)
            #expect(loaded.info.weightsSize == 10_000)
            #expect(try store.latestCheckpoint(runID: run.id)?.info.step == 200)
            #expect(try store.latestCheckpoint(runID: run.id)?.trainerState == Data())
            #expect(try store.checkpoint(runID: run.id, step: 150) == nil)
            #expect(try store.verifyAllBlobs().isEmpty)
            // Content addressing: the two checkpoints share one weights blob.
            #expect(try store.database.int64(sql: "SELECT count(*) FROM blobs") == 3)

            // Flip one byte of the stored weights behind the store's back.
            var flipped = weights
            flipped[99] ^= 0x01
            let update = try store.database.makeStatement(
                sql: "UPDATE blobs SET data = ? WHERE sha256 = (SELECT weights_sha256 FROM checkpoints WHERE step = 100)")
            try flipped.withUnsafeBytes { try update.bindNoCopy($0, at: 1); try update.execute() }
            let size = try store.database.int64(sql: "SELECT length(data) FROM blobs WHERE size = 10000")
            #expect(size == 10_000)
            #expect(throws: StoreError.corruptCheckpoint(runID: run.id, step: 100)) {
                try store.checkpoint(runID: run.id, step: 100)
            }
            // Both checkpoints share the weights blob, so both are reported, and neither loads.
            #expect(try store.verifyAllBlobs() == [CorruptBlob(runID: run.id, step: 100, column: "weights"),
                                                   CorruptBlob(runID: run.id, step: 200, column: "weights")])
            #expect(throws: StoreError.corruptCheckpoint(runID: run.id, step: 200)) {
                try store.latestCheckpoint(runID: run.id)
            }
        }
    }

    @Test(arguments: StoreBackend.available) func logStepIsAllOrNothing(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(targetSteps: 200))
            let info = try store.logStep(
                runID: run.id, step: 100, metrics: [("loss", 3), ("accuracy", 0.4)],
                checkpoint: (Data([9, 9]), Data([1])))
            #expect(info?.step == 100)
            #expect(try store.run(id: run.id).stepsDone == 100)
            // A failing step (run does not exist) stores none of its metrics or its checkpoint.
            #expect(throws: (any Error).self) {
                try store.logStep(runID: 999, step: 100, metrics: [("loss", 1)], checkpoint: (Data(), Data()))
            }
            #expect(try count(store.database, "metrics") == 2)
            #expect(try count(store.database, "checkpoints") == 1)
        }
    }

    @Test(arguments: StoreBackend.available) func listRunsShowsLatestFiguresAndTestAccuracy(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let a = try store.createRun(NewRun(name: "a", targetSteps: 200, params: ["lr": .real(0.1)]))
            let b = try store.createRun(NewRun(name: "b", targetSteps: 200, tags: ["kind": "fork"]))
            try store.logStep(runID: a.id, step: 100, metrics: [("loss", 5), ("accuracy", 0.5)])
            try store.logStep(
                runID: a.id, step: 200, metrics: [("loss", 2), ("accuracy", 0.8)],
                checkpoint: (Data([1]), Data([2])))
            try store.finishRun(runID: a.id, status: .finished)
            try store.addEvaluation(
                NewEvaluation(
                    runID: a.id, step: 200, datasetName: "mnist", datasetSHA256: "ab", split: "test",
                    accuracy: 0.93, loss: 0.2, confusionJSON: "[[1,0],[0,1]]"))
            #expect(throws: StoreError.checkpointNotFound(runID: b.id, step: 5)) {
                try store.addEvaluation(
                    NewEvaluation(runID: b.id, step: 5, datasetName: "m", datasetSHA256: "x", split: "test", accuracy: 1))
            }
            let runs = try store.listRuns()
            #expect(runs.map(\.name) == ["b", "a"])
            let summary = runs[1]
            #expect(summary.status == .finished)
            #expect(summary.stepsDone == 200)
            #expect(summary.loss == 2)
            #expect(summary.accuracy == 0.8)
            #expect(summary.testAccuracy == 0.93)
            #expect(summary.params == ["lr": .real(0.1)])
            #expect(summary.endedAt != nil)
            #expect(runs[0].loss == nil)
            #expect(runs[0].tags == ["kind": "fork"])
            #expect(try store.listRuns(status: .finished).map(\.id) == [a.id])
            #expect(try store.evaluations(runID: a.id).first?.confusionJSON == "[[1,0],[0,1]]")
        }
    }

    @Test(arguments: StoreBackend.available) func deadRunsAreMarkedCrashed(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let alive = try store.createRun(NewRun(name: "alive", targetSteps: 1))
            let deadPID = try store.createRun(NewRun(name: "dead-pid", targetSteps: 1))
            let remoteSilent = try store.createRun(NewRun(name: "remote-silent", targetSteps: 1))
            let remoteFresh = try store.createRun(NewRun(name: "remote-fresh", targetSteps: 1))
            // Its pid is alive (this process) but it has not beaten for an hour: the pid was reused.
            let reusedPID = try store.createRun(NewRun(name: "reused-pid", targetSteps: 1))
            let done = try store.createRun(NewRun(name: "done", targetSteps: 1))
            try store.finishRun(runID: done.id, status: .finished)
            let now = Date().timeIntervalSince1970
            try store.database.execute(
                sql: """
                    UPDATE runs SET pid = 2000000000 WHERE id = \(deadPID.id);
                    UPDATE runs SET host = 'elsewhere', heartbeat_at = \(now - 600) WHERE id = \(remoteSilent.id);
                    UPDATE runs SET host = 'elsewhere', heartbeat_at = \(now - 5) WHERE id = \(remoteFresh.id);
                    UPDATE runs SET pid = 2000000000 WHERE id = \(done.id);
                    UPDATE runs SET heartbeat_at = \(now - 3600) WHERE id = \(reusedPID.id);
                    """)
            let crashed = try store.markCrashedRuns(heartbeatTimeout: 60)
            #expect(Set(crashed) == [deadPID.id, remoteSilent.id, reusedPID.id])
            #expect(try store.run(id: alive.id).status == .running)
            #expect(try store.run(id: deadPID.id).status == .crashed)
            #expect(try store.run(id: remoteSilent.id).status == .crashed)
            #expect(try store.run(id: remoteFresh.id).status == .running)
            #expect(try store.run(id: done.id).status == .finished)
            #expect(try store.markCrashedRuns().isEmpty)
        }
    }
}
