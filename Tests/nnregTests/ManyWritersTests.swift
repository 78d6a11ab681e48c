import Foundation
import TestSupport
import Testing

@testable import Store

/// Four `nnreg train` processes on one store while another process lists it in a loop.
@Suite(.serialized) struct ManyWritersTests {
    @Test(arguments: StoreBackend.available) func fourTrainersAndAListerOnOneStoreLoseNothing(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(backend: backend)
        let writers = 4, steps = 2000, displayStep = 5, checkpointEvery = 20
        let started = Date()
        let trainers = try (0..<writers).map { index in
            try cli.start(["train", "--name", "writer-\(index)", "--seed", "\(index + 1)", "--steps", "\(steps)",
                           "--display-step", "\(displayStep)", "--checkpoint-every", "\(checkpointEvery)",
                           "--hidden1", "16", "--hidden2", "16", "--batch-size", "16", "--predictions", "0", "--json"])
        }
        var listings = 0
        var listErrors: [String] = []
        while trainers.contains(where: \.isRunning) {
            let list = try cli.run(["list", "--json"])
            listings += 1
            if list.status != 0 || list.json == nil { listErrors.append(list.stderr) }
        }
        let seconds = Date().timeIntervalSince(started)
        for (index, trainer) in trainers.enumerated() {
            let result = cli.finish(trainer)
            #expect(result.status == 0, "writer \(index): \(result.stderr)")
            #expect(result.object["status"] as? String == "finished")
            #expect(!result.stderr.lowercased().contains("locked"))
        }
        #expect(listErrors == [])
        let store = try Store(path: cli.db)
        let points = writers * (steps / displayStep) * 2
        let checkpoints = writers * (steps / checkpointEvery)
        #expect(try store.database.int64(sql: "SELECT count(*) FROM metric_points") == Int64(points))
        #expect(try store.database.int64(sql: "SELECT count(*) FROM checkpoints") == Int64(checkpoints))
        #expect(try store.database.int64(sql: "SELECT count(*) FROM evaluations") == Int64(writers))
        #expect(try store.listRuns().allSatisfy { $0.status == .finished })
        #expect(try store.verifyAllBlobs().isEmpty)
        #expect(try TortureTests.integrity(cli.db) == "ok")
        print("many writers (\(backend)): " + String(format: "%d trainers × %d points + %d checkpoints, %d listings alongside, in %.1f s: "
                     + "%.0f points/s, %.2f runs/s", writers, points / writers, checkpoints / writers, listings, seconds,
                     Double(points) / seconds, Double(writers) / seconds))
    }
}
