import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Store

/// Several connections (one `Store` per thread) writing and reading the same file at once; a lock
/// held past the busy timeout; a full disk during a checkpoint.
@Suite struct StoreStressTests {
    @Test(arguments: StoreBackend.available) func writersAndReadersOnSeparateConnectionsLoseNothing(
        backend: StoreBackend
    ) throws {
        try withTemporaryStore(on: backend) { _, path in
            let writers = 4, steps = 200, checkpointEvery = 20
            let shared = Shared()
            let blob = Data(repeating: 7, count: 64 * 1024)
            let started = Date()
            var threads: [Thread] = []
            for writer in 0..<writers {
                threads.append(Thread {
                    do {
                        let store = try Store(path: path)
                        let run = try store.createRun(NewRun(name: "writer-\(writer)", targetSteps: steps))
                        for step in 1...steps {
                            try store.logStep(
                                runID: run.id, step: step, metrics: [("loss", Double(step)), ("accuracy", 0.5)],
                                checkpoint: step % checkpointEvery == 0 ? (blob, Data("state \(step)".utf8)) : nil)
                        }
                        try store.finishRun(runID: run.id, status: .finished)
                    } catch {
                        shared.errors.withLock { $0.append("writer \(writer): \(error)") }
                    }
                    shared.writersDone.add(1, ordering: .sequentiallyConsistent)
                })
            }
            for reader in 0..<2 {
                threads.append(Thread {
                    do {
                        let store = try Store(path: path)
                        while shared.writersDone.load(ordering: .sequentiallyConsistent) < writers {
                            for summary in try store.listRuns() {
                                _ = try store.metricHistory(runID: summary.id, key: "loss")
                                _ = try store.checkpoints(runID: summary.id)
                            }
                            try store.markCrashedRuns()
                            shared.reads.add(1, ordering: .relaxed)
                        }
                    } catch {
                        shared.errors.withLock { $0.append("reader \(reader): \(error)") }
                    }
                })
            }
            try runAndJoin(threads, timeout: 120)
            let seconds = Date().timeIntervalSince(started)
            #expect(shared.errors.withLock { $0 } == [])
            let store = try Store(path: path)
            #expect(try count(store.database, "runs") == Int64(writers))
            #expect(try count(store.database, "metrics") == Int64(writers * steps * 2))
            #expect(try count(store.database, "checkpoints") == Int64(writers * steps / checkpointEvery))
            #expect(try store.listRuns().allSatisfy { $0.status == .finished })
            if backend == .sqlite { #expect(try store.database.string(sql: "PRAGMA integrity_check") == "ok") }
            #expect(shared.reads.load(ordering: .relaxed) > 0)
            print("store stress (\(backend)): " + String(format: "%d writers × %d steps (%d points, %d checkpoints) in %.2f s = %.0f points/s, %d reader passes",
                         writers, steps, writers * steps * 2, writers * steps / checkpointEvery, seconds,
                         Double(writers * steps * 2) / seconds, shared.reads.load(ordering: .relaxed)))
        }
    }

    @Test(arguments: StoreBackend.available) func aLockHeldPastTheBusyTimeoutIsAClearErrorNotDatabaseIsLocked(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { holder, path in
            let waiter = try Store(path: path)
            let run = try waiter.createRun(NewRun(name: "r", targetSteps: 1))
            let started = Date()
            let error = try holder.inTransaction {
                try holder.heartbeat(runID: run.id, step: 1)  // holds the write lock until we return
                return try #require(throws: StoreError.self) {
                    try waiter.logMetrics(runID: run.id, step: 1, values: [("loss", 1)])
                }
            }
            let waited = Date().timeIntervalSince(started)
            #expect(error == .busy(path: path, seconds: 5))
            #expect(waited >= 4.5 && waited < 30, "waited \(waited) s")
            #expect(!error.description.contains("database is locked"))
            // Once the lock is released the same connection writes again.
            try waiter.logMetrics(runID: run.id, step: 1, values: [("loss", 1)])
            #expect(try waiter.metricHistory(runID: run.id, key: "loss").count == 1)
        }
    }

    @Test func aFullDiskDuringACheckpointKeepsEveryEarlierCheckpoint() throws {
        try withTemporaryStore { store, path in
            let run = try store.createRun(NewRun(name: "full", targetSteps: 300))
            let weights = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            // Training changes the weights between checkpoints (equal bytes would be stored once).
            let later = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
            try store.logStep(runID: run.id, step: 100, metrics: [("loss", 1)], checkpoint: (weights, Data("s100".utf8)))
            // The same code the CLI runs, with the file capped a little above its current size.
            let pages = try #require(try store.database.int64(sql: "PRAGMA page_count"))
            _ = try store.database.int64(sql: "PRAGMA max_page_count = \(pages + 20)")
            let error = try #require(throws: StoreError.self) {
                try store.logStep(runID: run.id, step: 200, metrics: [("loss", 2)], checkpoint: (later, Data("s200".utf8)))
            }
            #expect(error == .diskFull(path: path))
            #expect(error.description.contains("full") && error.description.contains("Free some space"))
            // The step's metrics rolled back with its checkpoint; the run can still be marked failed.
            #expect(try store.metricHistory(runID: run.id, key: "loss").map(\.step) == [100])
            try store.finishRun(runID: run.id, status: .failed)
            #expect(try store.run(id: run.id).status == .failed)
            let kept = try #require(try store.latestCheckpoint(runID: run.id))
            #expect(kept.info.step == 100 && kept.weights == weights)
            #expect(try store.database.string(sql: "PRAGMA integrity_check") == "ok")
            // With room again (a new connection has no cap), the failed step can be written.
            let reopened = try Store(path: path)
            try reopened.logStep(runID: run.id, step: 200, metrics: [("loss", 2)], checkpoint: (later, Data("s200".utf8)))
            #expect(try reopened.checkpoints(runID: run.id).map(\.step) == [100, 200])
        }
    }
}

/// What the stress threads share.
private final class Shared: Sendable {
    let errors = Mutex<[String]>([])
    let writersDone = Atomic<Int>(0)
    let reads = Atomic<Int>(0)
}

/// Starts every thread and waits (bounded) until all have returned.
private func runAndJoin(_ threads: [Thread], timeout: TimeInterval) throws {
    for thread in threads { thread.start() }
    let deadline = Date().addingTimeInterval(timeout)
    while threads.contains(where: { !$0.isFinished }) {
        guard Date() < deadline else {
            Issue.record("threads still running after \(timeout) s")
            return
        }
        usleep(1_000)
    }
}
