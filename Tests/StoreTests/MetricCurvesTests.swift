import Foundation
import TestSupport
import Testing
@testable import Store

@Suite struct MetricCurvesTests {
    /// Long curves are read on connections of their own at once; the result is what reading them one
    /// by one gives, in the order asked, short and missing keys included.
    @Test(arguments: StoreBackend.available) func curvesReadInParallelEqualCurvesReadOneByOne(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ in
            let run = try store.createRun(NewRun(targetSteps: 30_000))
            let now = Date()
            let samples = (0..<30_000).flatMap { step in
                [MetricSample(key: "loss", step: step, value: 1 / Double(step + 1), wallTime: now),
                 MetricSample(key: "accuracy", step: step, value: Double(step % 97) / 97, wallTime: now)]
            } + (0..<10).map { MetricSample(key: "lr", step: $0 * 3000, value: 0.1, wallTime: now) }
            try store.logMetrics(runID: run.id, samples: samples)
            let keys = ["loss", "accuracy", "lr", "missing"]
            let together = try store.metricCurves(runID: run.id, keys: keys)
            #expect(together.count == 4)
            for (key, curve) in zip(keys, together) {
                let alone = try store.metricCurve(runID: run.id, key: key)
                #expect(curve.map(\.step) == alone.map(\.step) && curve.map(\.value) == alone.map(\.value), "\(key)")
            }
            #expect(together[0].count == 30_000 && together[2].count == 10 && together[3].isEmpty)
        }
    }
}
