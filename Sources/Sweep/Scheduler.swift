/// Where a trial stands.
public enum TrialState: String, Sendable, Codable, CaseIterable {
    /// Claimed by a worker (which may have died: then `isOwnerGone`).
    case running
    /// Stopped by the pruner at its last checkpoint; ASHA may promote it.
    case pruned
    /// Trained its whole budget.
    case finished
    /// Its training failed (a non-finite loss, an error, a program's non-zero exit).
    case failed
    /// Stopped with its sweep (`sweep stop`, Ctrl-C); continued first when the sweep resumes.
    case stopped
}

/// A trial as the scheduler sees it.
public struct TrialSnapshot: Sendable, Equatable {
    public let number: Int
    public let state: TrialState
    public let assignment: Assignment
    /// The steps it has trained (its last checkpoint for a paused one).
    public let step: Int
    /// The metric at each judged step it reached.
    public let points: [Int: Double]
    /// A `running` trial whose worker is gone (killed, crashed, machine lost).
    public let isOwnerGone: Bool

    public init(number: Int, state: TrialState, assignment: Assignment, step: Int, points: [Int: Double], isOwnerGone: Bool = false) {
        self.number = number
        self.state = state
        self.assignment = assignment
        self.step = step
        self.points = points
        self.isOwnerGone = isOwnerGone
    }

    /// The metric at the last step judged.
    public var lastValue: (step: Int, value: Double)? {
        points.max { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// What a worker does next.
public enum Job: Sendable, Equatable {
    /// Continue trial `number` from its last checkpoint (its worker died, or its sweep was stopped).
    case resume(number: Int)
    /// Continue paused trial `number` from its checkpoint: ASHA promoted it.
    case promote(number: Int)
    /// Start trial `number` with these settings.
    case start(number: Int, assignment: Assignment)
    /// Nothing to take now; trials still running may pause and be promoted, or free a slot.
    case wait
    /// Every trial is accounted for.
    case done
}

/// Decides the next job of a sweep from its trials. Pure: the Store serializes the decisions
/// (one write transaction each), so two workers never take the same job.
public struct Scheduler: Sendable {
    public let sampler: any Sampler
    public let pruner: Pruner
    public let trialLimit: Int

    public init(sampler: any Sampler, pruner: Pruner, trialLimit: Int) {
        self.sampler = sampler
        self.pruner = pruner
        self.trialLimit = min(trialLimit, sampler.capacity ?? Int.max)
    }

    /// Whether paused trials can continue from a checkpoint (nnreg's own trainer; an outside
    /// program has no resume, so its pruned trials stay pruned).
    public var canResume: Bool { pruner.canResume }

    public func next(_ trials: [TrialSnapshot]) -> Job {
        let ordered = trials.sorted { $0.number < $1.number }
        if let orphan = ordered.first(where: { ($0.state == .running && $0.isOwnerGone) || $0.state == .stopped }) {
            return canResume || orphan.step == 0 ? .resume(number: orphan.number) : .start(number: orphan.number, assignment: orphan.assignment)
        }
        if canResume, let promoted = promotion(ordered) { return .promote(number: promoted) }
        if ordered.count < trialLimit {
            let number = (ordered.last?.number ?? -1) + 1
            return .start(number: number, assignment: sampler.propose(number: number, history: history(ordered)))
        }
        if ordered.contains(where: { $0.state == .running }) { return .wait }
        if canResume, let last = lastPromotion(ordered) { return .promote(number: last) }
        return .done
    }

    /// When no trial can start and none runs or has trained its whole budget (ASHA paused them
    /// all: too few reached the top rungs for ⌊n/η⌋ of them to go on), the best paused trial at
    /// the highest rung goes on, so that a sweep ends with a trial trained on its whole budget.
    func lastPromotion(_ trials: [TrialSnapshot]) -> Int? {
        guard pruner.usesRungs, !trials.contains(where: { $0.state == .finished }) else { return nil }
        for rung in pruner.rungs.reversed() {
            let paused = trials.filter { $0.state == .pruned && $0.step == rung }
            let best = paused.compactMap { trial in trial.points[rung].map { (trial.number, $0) } }.filter { $0.1.isFinite }
                .min { $0.1 != $1.1 ? pruner.isBetterValue($0.1, $1.1) : $0.0 < $1.0 }
            if let best { return best.0 }
        }
        return nil
    }

    /// ASHA: the best paused trial that its rung now certainly ranks within its keep, from the
    /// highest rung down.
    func promotion(_ trials: [TrialSnapshot]) -> Int? {
        let pending = pendingArrivals(trials)
        for (index, rung) in pruner.rungs.enumerated().reversed() {
            let paused = Set(trials.filter { $0.state == .pruned && $0.step == rung }.map(\.number))
            guard !paused.isEmpty else { continue }
            let values = trials.compactMap { trial in trial.points[rung].map { (trial.number, $0) } }
            if let best = pruner.promotable(pausedAt: rung, values: values, paused: paused, pending: pending[index]).first {
                return best
            }
        }
        return nil
    }

    /// For each rung, how many more trials may yet reach it: those on their way (running or
    /// stopped since the rung below), and those that rung may still send up (new trials for the
    /// first), no more than it has paused or will receive. Zero everywhere once nothing runs and
    /// nothing can start. A trial being judged at a rung counts as paused there.
    public func pendingArrivals(_ trials: [TrialSnapshot]) -> [Int] {
        let isActive = { (trial: TrialSnapshot) in trial.state == .running || trial.state == .stopped }
        var pending: [Int] = []
        var below = 0
        // What may still come up from below: at the start, the trials not yet begun.
        var coming = max(0, trialLimit - trials.count)
        for (index, rung) in pruner.rungs.enumerated() {
            let onTheWay = trials.count { isActive($0) && $0.step >= below && $0.step < rung }
            pending.append(onTheWay + coming)
            let passed = trials.count { $0.step > rung || (isActive($0) && $0.step == rung) }
            let paused = trials.count { $0.state == .pruned && $0.step == rung }
            let share = pruner.share(ofRung: index) ?? Int.max
            coming = min(max(0, share - passed), paused + pending[index])
            below = rung
        }
        return pending
    }

    /// The trials so far as the sampler sees them.
    public func history(_ trials: [TrialSnapshot]) -> [Observation] {
        trials.map { trial in
            let last = trial.state == .failed ? nil : trial.lastValue
            return Observation(
                number: trial.number, assignment: trial.assignment, value: last?.value, step: last?.step ?? 0,
                isComplete: trial.state == .finished, isRunning: trial.state == .running)
        }
    }
}
