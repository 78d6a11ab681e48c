import Foundation
import NNRegTracking
import Testing

@Suite struct TrackedRunTests {
    func withFolder<T>(_ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-tracking-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try body(folder)
    }

    @Test func pointsLoggedFromSeveralThreadsAreAllCommitted() throws {
        try withFolder { folder in
            let path = folder + "/runs.sqlite"
            let run = try TrackedRun(storePath: path, name: "threads", params: ["lr": .real(0.01)], tags: ["k": "v"])
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for step in 0..<10_000 { run.log(["m\(thread)": Double(step) / 2], step: step) }
            }
            run.log("final", 0.5, step: 10_000)
            try run.finish()

            let store = try Store(path: path)
            let stored = try store.run(reference: "threads")
            #expect(stored.status == .finished && stored.stepsDone == 10_000)
            #expect(try store.params(runID: stored.id) == ["lr": .real(0.01)])
            for thread in 0..<4 {
                let history = try store.metricHistory(runID: stored.id, key: "m\(thread)")
                #expect(history.map(\.step) == Array(0..<10_000))
                #expect(history.map(\.value) == (0..<10_000).map { Double($0) / 2 })
            }
        }
    }

    @Test func whatWasLoggedIsCommittedWithinTheFlushIntervalWithoutFinishing() throws {
        try withFolder { folder in
            let path = folder + "/runs.sqlite"
            let run = try TrackedRun(storePath: path, name: "live", flushInterval: .milliseconds(100))
            run.log(["loss": 2.5], step: 1)
            let reader = try Store(readingOnly: path)
            let deadline = Date().addingTimeInterval(5)
            var seen: [MetricPoint] = []
            while seen.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
                seen = try reader.metricHistory(runID: run.id, key: "loss")
            }
            #expect(seen.map(\.value) == [2.5])
            #expect(try reader.run(id: run.id).status == .running)
            try run.finish(.failed, exitCode: 2)
            #expect(try reader.run(id: run.id).command == nil, "a library run has no command")
            #expect(try reader.run(id: run.id).status == .failed)
        }
    }

    @Test func checkpointsArtifactsAndOutput() throws {
        try withFolder { folder in
            let path = folder + "/runs.sqlite"
            let run = try TrackedRun(storePath: path, name: "files")
            run.log(["loss": 1], step: 5)
            let weights = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0) })
            let info = try run.saveCheckpoint(step: 5, weights: weights)
            #expect(info.step == 5 && info.weightsSize == 1000)
            let file = URL(fileURLWithPath: folder + "/notes.txt")
            try Data("hello".utf8).write(to: file)
            try run.saveArtifact(name: "notes.txt", contentsOf: file)
            try run.saveArtifact(name: "same-bytes.txt", data: Data("hello".utf8))
            Array("line one\nline two\n".utf8).withUnsafeBytes { run.logOutput($0) }
            try run.finish()

            let store = try Store(path: path)
            #expect(try store.metricHistory(runID: run.id, key: "loss").map(\.value) == [1], "logged before the checkpoint, committed with it")
            #expect(try store.latestCheckpoint(runID: run.id)?.weights == weights)
            #expect(try store.artifacts(runID: run.id).map(\.name) == ["notes.txt", "same-bytes.txt"])
            #expect(try store.artifactData(runID: run.id, name: "notes.txt") == Data("hello".utf8))
            #expect(String(decoding: try store.output(runID: run.id).bytes, as: UTF8.self) == "line one\nline two\n")
            let blobs = try store.collectGarbage()
            #expect(blobs.blobs == 0, "artifacts keep their blobs")
            #expect(throws: StoreError.self) { try store.artifactData(runID: run.id, name: "missing") }
        }
    }

    @Test func aFailedWriteIsReportedAndRetried() throws {
        try withFolder { folder in
            let path = folder + "/runs.sqlite"
            let run = try TrackedRun(storePath: path, name: "retry", flushInterval: .seconds(60))
            // Another process holds the write lock longer than the busy timeout allows.
            let blocker = try Store(path: path)
            run.log(["loss": 1], step: 1)
            try blocker.inTransaction {
                #expect(throws: StoreError.self) { try run.flush() }
            }
            try run.flush()  // the point stayed queued
            try run.finish()
            #expect(try blocker.metricHistory(runID: run.id, key: "loss").map(\.value) == [1])
        }
    }
}
