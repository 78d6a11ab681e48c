import Foundation
import TestSupport
import Testing

@testable import Store

/// `appendMetrics`, MLflow's way of keeping points: every point is kept, a step's points in the
/// order they came, across the bulk chunks of one batch and across batches.
@Suite struct MetricAppendTests {
    @Test(arguments: StoreBackend.available) func everyPointIsKeptInItsStepsOrderAcrossChunksAndBatches(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(name: "appended", targetSteps: 10))
            let time = Date(timeIntervalSince1970: 1_700_000_000)
            func point(_ key: String, _ step: Int, _ value: Double) -> MetricSample {
                MetricSample(key: key, step: step, value: value, wallTime: time.addingTimeInterval(value))
            }
            // One batch: 450 forward steps of "a" (more than two chunks), interleaved with "b"; then a
            // step of "a" behind the newest (asks the index), repeats of a step, and a step already
            // taken within this batch.
            var first: [MetricSample] = []
            for step in 0..<450 {
                first.append(point("a", step, Double(step)))
                if step % 100 == 0 { first.append(point("b", step / 100, -Double(step))) }
            }
            first += [point("a", 10, 1_000), point("a", 449, 1_001), point("a", 449, 1_002), point("b", 0, 1_003)]
            try store.appendMetrics(runID: run.id, points: first)
            // A second batch: new steps, steps stored in the first, and a step twice.
            let second = [point("a", 450, 2_000), point("a", 0, 2_001), point("a", 450, 2_002), point("b", 9, 2_003), point("b", 1, 2_004)]
            try store.appendMetrics(runID: run.id, points: second)
            // A script that logs without steps: every point at step 0, batch after batch (after the
            // newest stored point of its key), and one point at a time.
            let unstepped = (0..<450).map { point("c", 0, 3_000 + Double($0)) }
            try store.appendMetrics(runID: run.id, points: Array(unstepped[..<220]))
            try store.appendMetrics(runID: run.id, points: Array(unstepped[220..<449]))
            try store.appendMetrics(runID: run.id, points: [unstepped[449]])
            let all = first + second + unstepped

            for key in ["a", "b", "c"] {
                // Expected: every point, ordered by step, a step's points in the order they were given.
                let given = all.enumerated().filter { $0.element.key == key }
                let expected = given.sorted { ($0.element.step, $0.offset) < ($1.element.step, $1.offset) }.map(\.element)
                let stored = try store.metricHistory(runID: run.id, key: key)
                #expect(stored.map(\.step) == expected.map(\.step), "\(key)")
                #expect(stored.map(\.value) == expected.map(\.value), "\(key)")
                #expect(stored.map(\.wallTime) == expected.map(\.wallTime), "\(key)")
            }
            // The latest point per key follows the highest step, of equal steps the last given.
            #expect(try store.latestMetrics(runID: run.id) == ["a": 2_002, "b": 2_003, "c": 3_449])
        }
    }
}
