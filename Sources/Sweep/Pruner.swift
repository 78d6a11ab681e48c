/// How a sweep stops trials early.
public enum PruningMethod: String, Sendable, Codable, CaseIterable {
    /// Asynchronous successive halving (Li et al. 2020): trials are judged at rungs of η-fold
    /// budgets; a trial not in the best ⌊n/η⌋ of the n at its rung so far pauses there (status
    /// `pruned`, with its checkpoint), and continues from that checkpoint when later trials make it
    /// one of them. So the first trials at a rung pause too: nothing is trained further on the word
    /// of one or two trials. A program without resume cannot pause, only end: there the best trial
    /// at a rung goes on even when it is alone, as Optuna's `SuccessiveHalvingPruner` does.
    case asha
    /// Successive halving with the sweep's size known: rung k keeps share(k) = max(1, ⌊Nₖ/η⌋) of
    /// its Nₖ trials (N₀ = the sweep's trials, Nₖ₊₁ = share(k)), and a trial there goes on once its
    /// rank among those at the rung, plus the trials that may yet arrive, is within that share:
    /// each of successive halving's decisions, made as soon as it is certain. Exactly its budget of
    /// steps, where ASHA, ranking against the trials so far, sends more up when the sampler
    /// improves; nnreg's exact resume lets a trial wait at its rung for nothing. Without resume, as
    /// `asha`.
    case halving
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
    /// Whether a stopped trial can continue later from its checkpoint (nnreg's trainer, not an
    /// outside program): ASHA then pauses trials that are not yet among the best ⌊n/η⌋.
    public let canResume: Bool
    /// The sweep's number of trials (successive halving's N).
    public let trialCount: Int?
    public static let medianStartup = 5

    public init(method: PruningMethod, isMaximizing: Bool, budget: Int, displayStep: Int, eta: Int = 3, minSteps: Int? = nil,
                canResume: Bool = true, trialCount: Int? = nil) {
        self.method = method
        self.canResume = canResume
        self.trialCount = trialCount
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
        case .asha, .halving: return rungs.contains(step)
        case .median: return step >= (rungs.first ?? budget) && step % displayStep == 0
        case .none: return false
        }
    }

    /// The step a trial at `step` trains to before it is judged again (ASHA: its next rung).
    public func target(after step: Int) -> Int {
        guard usesRungs else { return budget }
        return rungs.first { $0 > step } ?? budget
    }

    /// Whether a trial whose metric at `step` is `value` should stop there, given the values of
    /// every other trial judged at that step and (ASHA) how many more may yet arrive there.
    public func shouldStop(value: Double, at step: Int, others: [Double], pending: Int = 0) -> Bool {
        guard step < budget, isJudged(step) else { return false }
        guard value.isFinite else { return true }
        switch method {
        case .none: return false
        case .asha, .halving:
            // Continue when its rank at this rung, with `pending` trials still to come, is within
            // the rung's keep (at least the best one when a stop is final).
            let all = others.filter(\.isFinite) + [value]
            let rank = all.count { isBetterValue($0, value) } + 1
            return rank + (isCertainBeforeGoingOn ? pending : 0) > keep(of: all.count, at: step)
        case .median:
            let finite = others.filter(\.isFinite).sorted()
            guard finite.count >= Self.medianStartup else { return false }
            let middle = finite.count / 2
            let median = finite.count % 2 == 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2
            return isMaximizing ? value < median : value > median
        }
    }

    /// ASHA: of the trials paused at rung `step`, those whose rank among the n values there, plus
    /// the `pending` trials that may yet arrive, is within the rung's keep; best first.
    public func promotable(pausedAt step: Int, values: [(number: Int, value: Double)], paused: Set<Int>, pending: Int = 0) -> [Int] {
        guard usesRungs else { return [] }
        let keep = keep(of: values.count, at: step) - (isCertainBeforeGoingOn ? pending : 0)
        let best = values.filter { $0.value.isFinite }.sorted {
            $0.value != $1.value ? isBetterValue($0.value, $1.value) : $0.number < $1.number
        }.prefix(max(0, keep))
        return best.map(\.number).filter(paused.contains)
    }

    /// ASHA or successive halving: trials pause at rungs and may be promoted.
    public var usesRungs: Bool { method == .asha || method == .halving }

    /// Whether a trial goes on from a rung only once no trial still to come can rank above it
    /// (successive halving, the sweep's size known, and a pause not final).
    public var isCertainBeforeGoingOn: Bool { method == .halving && canResume && trialCount != nil }

    /// Successive halving's share of rung `index`: max(1, ⌊Nₖ/η⌋) (see `PruningMethod.halving`).
    public func share(ofRung index: Int) -> Int? {
        guard isCertainBeforeGoingOn, var population = trialCount else { return nil }
        for _ in 0...index { population = max(1, population / eta) }
        return population
    }

    /// How many of the n trials at rung `step` go on: successive halving's share, ASHA's ⌊n/η⌋; at
    /// least one when a stop is final.
    public func keep(of n: Int, at step: Int) -> Int {
        let keep = rungs.firstIndex(of: step).flatMap(share(ofRung:)) ?? n / eta
        return canResume ? keep : max(1, n / eta)
    }

    public func isBetterValue(_ a: Double, _ b: Double) -> Bool {
        isMaximizing ? a > b : a < b
    }
}
