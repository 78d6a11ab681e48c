import Foundation
import Store
import Synchronization

/// Many writers on one store (issue 5): four threads, each with its own `Store` (connection) as a
/// training process would have, log display steps (2 points each, a 64 KB checkpoint every 20th) as
/// fast as they can while a fifth lists the runs in a loop. Waits are bounded by the busy timeout;
/// any error fails the benchmark.
func runConcurrencyBenchmarks() throws {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("nnreg-concurrency-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/concurrent.sqlite"
    _ = try Store(path: path)

    final class Shared: Sendable {
        let errors = Mutex<[String]>([])
        let writersDone = Atomic<Int>(0)
        let listings = Atomic<Int>(0)
    }
    let shared = Shared()
    let writers = 4, runsPerWriter = 5, steps = 500, checkpointEvery = 20
    let checkpoint = (weights: Data(repeating: 1, count: 64 * 1024), trainerState: Data(repeating: 2, count: 1024))
    var threads: [Thread] = []
    for writer in 0..<writers {
        threads.append(Thread {
            do {
                let store = try Store(path: path)
                for _ in 0..<runsPerWriter {
                    let run = try store.createRun(NewRun(targetSteps: steps))
                    for step in 1...steps {
                        try store.logStep(
                            runID: run.id, step: step, metrics: [("loss", 1 / Double(step)), ("accuracy", 0.5)],
                            checkpoint: step % checkpointEvery == 0 ? checkpoint : nil)
                    }
                    try store.finishRun(runID: run.id, status: .finished)
                }
            } catch {
                shared.errors.withLock { $0.append("writer \(writer): \(error)") }
            }
            shared.writersDone.add(1, ordering: .sequentiallyConsistent)
        })
    }
    threads.append(Thread {
        do {
            let store = try Store(path: path)
            while shared.writersDone.load(ordering: .sequentiallyConsistent) < writers {
                _ = try store.listRuns()
                shared.listings.add(1, ordering: .relaxed)
            }
        } catch {
            shared.errors.withLock { $0.append("lister: \(error)") }
        }
    })
    let start = DispatchTime.now()
    for thread in threads { thread.start() }
    while threads.contains(where: { !$0.isFinished }) { usleep(1_000) }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let errors = shared.errors.withLock { $0 }
    guard errors.isEmpty else { throw BenchmarkFailure(errors.joined(separator: "; ")) }
    let runs = writers * runsPerWriter
    let store = try Store(path: path)
    let listed = try store.listRuns()
    guard listed.count == runs, listed.allSatisfy({ $0.status == .finished }) else {
        throw BenchmarkFailure("expected \(runs) finished runs, found \(listed.count)")
    }
    report("concurrency.points_per_s", Double(runs * steps * 2) / elapsed, "points/s")
    report("concurrency.steps_per_s", Double(runs * steps) / elapsed, "steps/s")
    report("concurrency.runs_per_s", Double(runs) / elapsed, "runs/s")
    report("concurrency.listings_per_s", Double(shared.listings.load(ordering: .relaxed)) / elapsed, "listings/s")
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
