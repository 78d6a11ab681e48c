/// How a sweep stops trials early.
public enum PruningMethod: String, Sendable, Codable, CaseIterable {
    /// Asynchronous successive halving: trials are judged at rungs of η-fold budgets; a trial not in
    /// the best 1/η at its rung pauses there (status `pruned`, with its checkpoint), and continues
    /// from that checkpoint when later trials make it one of the best 1/η.
    case asha
    /// A trial whose metric at a display step is worse than the median of the other trials' at
    /// that step stops (after the first rung, once `medianStartup` others have reported).
    case median
    case none
}

/// The early-stopping rule of one sweep: where trials are judged and what is decided there.
public struct Pruner: Sendable, Equatable {
    public let method: PruningMethod
    public let isMaximizing: Bool
    /// The full budget of a trial, in steps.
    public let budget: Int
    /// ASHA's reduction factor η.
    public let eta: Int
    /// The steps at which trials are judged before their end: ASHA's rungs (minSteps·ηᵏ, each
    /// rounded up to a display step, below the budget); the median rule starts at the first.
    public let rungs: [Int]
    public let displayStep: Int
    public static let medianStartup = 5

    public init(method: PruningMethod, isMaximizing: Bool, budget: Int, displayStep: Int, eta: Int = 3, minSteps: Int? = nil) {
        self.method = method
        self.isMaximizing = isMaximizing
        self.budget = budget
        self.eta = max(2, eta)
        self.displayStep = max(1, displayStep)
        var rungs: [Int] = []
        if method != .none {
            let first = minSteps ?? Self.defaultMinSteps(budget: budget, eta: self.eta)
            var steps = Double(max(1, first))
            while true {
                let step = Self.roundUp(Int(steps.rounded(.up)), to: self.displayStep)
                if step >= budget { break }
                if rungs.last != step { rungs.append(step) }
                steps *= Double(self.eta)
            }
        }
        self.rungs = rungs
    }

    /// Three rungs below the budget: budget/η³, budget/η², budget/η.
    public static func defaultMinSteps(budget: Int, eta: Int) -> Int {
        max(1, budget / (eta * eta * eta))
    }

    static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }

    /// Whether the metric is recorded for judging at `step`: ASHA's rungs, every display step from
    /// the first rung on for the median rule, and the end of the budget.
    public func isJudged(_ step: Int) -> Bool {
        if step == budget { return true }
        switch method {
        case .asha: return rungs.contains(step)
        case .median: return step >= (rungs.first ?? budget) && step % displayStep == 0
        case .none: return false
        }
    }

    /// The step a trial at `step` trains to before it is judged again (ASHA: its next rung).
    public func target(after step: Int) -> Int {
        guard method == .asha else { return budget }
        return rungs.first { $0 > step } ?? budget
    }

    /// Whether a trial whose metric at `step` is `value` should stop there, given the values of
    /// every other trial judged at that step.
    public func shouldStop(value: Double, at step: Int, others: [Double]) -> Bool {
        guard step < budget, isJudged(step) else { return false }
        guard value.isFinite else { return true }
        switch method {
        case .none: return false
        case .asha:
            // Continue when among the best max(1, ⌊n/η⌋) of the n trials at this rung, itself included.
            let all = others.filter(\.isFinite) + [value]
            let keep = max(1, all.count / eta)
            let sorted = all.sorted(by: isBetterValue)
            return isBetterValue(sorted[keep - 1], value) && sorted[keep - 1] != value
        case .median:
            let finite = others.filter(\.isFinite).sorted()
            guard finite.count >= Self.medianStartup else { return false }
            let middle = finite.count / 2
            let median = finite.count % 2 == 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2
            return isMaximizing ? value < median : value > median
        }
    }

    /// ASHA: of the trials paused at rung `step`, those now among the best ⌊n/η⌋ of the n values
    /// at that rung, best first.
    public func promotable(pausedAt step: Int, values: [(number: Int, value: Double)], paused: Set<Int>) -> [Int] {
        guard method == .asha else { return [] }
        let keep = values.count / eta
        let best = values.filter { $0.value.isFinite }.sorted {
            $0.value != $1.value ? isBetterValue($0.value, $1.value) : $0.number < $1.number
        }.prefix(keep)
        return best.map(\.number).filter(paused.contains)
    }

    public func isBetterValue(_ a: Double, _ b: Double) -> Bool {
        isMaximizing ? a > b : a < b
    }
}
