import Foundation
import Store
import Sweep

/// The judge of an outside program's trial: sees its metric points on the tracker's parsing thread,
/// records the sweep's metric at the first point at or past each rung (each display step of the
/// median rule), and says stop when the pruner does. Its own store connection, opened on first use.
final class OutsideJudge: @unchecked Sendable {
    private let db: String
    private let sweepID: Int64
    private let number: Int
    private let metric: String
    private let pruner: Pruner
    private let lock = NSLock()
    // Guarded by `lock`:
    private var store: Store?
    private var judgedSteps = Set<Int>()

    init(db: String, sweepID: Int64, number: Int, metric: String, pruner: Pruner) {
        self.db = db
        self.sweepID = sweepID
        self.number = number
        self.metric = metric
        self.pruner = pruner
    }

    /// False to stop the program.
    func watch(key: String, step: Int, value: Double) -> Bool {
        guard key == metric else { return true }
        return lock.withLock {
            guard let judged = judgedStep(for: step), !judgedSteps.contains(judged) else { return true }
            judgedSteps.insert(judged)
            do {
                if store == nil { store = try Store(path: db) }
                guard let store else { return true }
                let stored = value.isNaN ? (pruner.isMaximizing ? -Double.infinity : .infinity) : value
                return try store.inTransaction {
                    try store.recordSweepPoint(sweepID: sweepID, number: number, step: judged, value: stored)
                    let others = try store.sweepPoints(sweepID: sweepID, step: judged).filter { $0.number != number }.map(\.value)
                    return !pruner.shouldStop(value: value, at: judged, others: others)
                }
            } catch {
                Terminal.diagnostic("sweep trial \(number): could not judge step \(step): \(error)")
                return true
            }
        }
    }

    /// The rung a point at `step` is judged at: the largest rung at or below it not yet judged
    /// (ASHA); the display step itself (the median rule).
    private func judgedStep(for step: Int) -> Int? {
        switch pruner.method {
        case .none: return nil
        case .median: return pruner.isJudged(step) && step < pruner.budget ? step : nil
        case .asha, .halving: return pruner.rungs.last { $0 <= step }
        }
    }
}
