import ArgumentParser
import Foundation
import ProcessTracker
import Store
import Sweep
import Trainer

/// One worker of a sweep: takes the scheduler's next job in a write transaction of its own (so no
/// trial runs twice, whichever host asks), trains it with the sweep's judge at its display steps,
/// and repeats until nothing is left, the sweep is stopped, or it is interrupted.
struct SweepWorker {
    let store: Store
    /// `--db` as given: an outside program's trials record through connections of their own.
    let db: String
    let sweep: SweepRecord
    let spec: SweepSpec
    let dataPath: String
    let isQuiet: Bool
    /// How long to wait between looks when every remaining trial is another worker's.
    var pollInterval: TimeInterval = 0.25
    /// One of several workers on this machine, each on one core: a trial that is the sweep's only
    /// one running (the others wait for it) trains on two cores until another starts. The same
    /// bits either way.
    var sharesCores = false

    /// What a claim gave this worker.
    private enum Claim {
        /// `run` is nil for a new trial of an outside program (`nnreg track` makes its run).
        case trial(number: Int, run: Run?, assignment: Assignment, isContinued: Bool)
        case wait, done
    }

    func run() throws {
        let scheduler: Scheduler
        do { scheduler = try spec.scheduler() } catch { throw CLIError("\(error)") }
        let dataset = spec.command == nil ? try DatasetLoading.load(dataPath) : nil
        while !Interruption.isRequested {
            guard try store.sweepState(sweepID: sweep.id) == "running" else { return }
            let started = DispatchTime.now().uptimeNanoseconds
            let claim = try self.claim(scheduler, dataset: dataset?.identity)
            let schedulerMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            switch claim {
            case .done:
                try store.inTransaction {
                    if try store.sweepState(sweepID: sweep.id) == "running" {
                        try store.setSweepState(sweepID: sweep.id, state: "finished")
                    }
                }
                return
            case .wait:
                Thread.sleep(forTimeInterval: pollInterval)
            case .trial(let number, let run, let assignment, let isContinued):
                let schedulerTag = ["sweep.scheduler_ms": String(format: "%.3f", schedulerMilliseconds)]
                if let dataset, let run {
                    try store.addTags(schedulerTag, runID: run.id)
                    try train(number: number, run: run, assignment: assignment, isContinued: isContinued, dataset: dataset, scheduler: scheduler)
                } else {
                    try execute(number: number, assignment: assignment, tags: schedulerTag)
                }
            }
        }
    }

    // MARK: Claiming

    /// The scheduler's decision over the trials as they are now, taken in one write transaction:
    /// a new trial's run is created, a continued one's run claimed, before any other worker looks.
    private func claim(_ scheduler: Scheduler, dataset: DatasetIdentity?) throws -> Claim {
        try store.inTransaction {
            let records = try store.sweepTrials(sweepID: sweep.id)
            let snapshots = try self.snapshots(records, findingOrphans: true)
            switch scheduler.next(snapshots) {
            case .done: return .done
            case .wait: return .wait
            case .start(let number, let assignment):
                if records.contains(where: { $0.number == number }) {
                    // An outside program's orphan starts again from the beginning, in a new run.
                    try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.running.rawValue, step: 0)
                } else {
                    try store.addSweepTrial(sweepID: sweep.id, number: number, assignment: assignment, runID: nil)
                }
                let run = try dataset.map { try newRun(number: number, assignment: assignment, dataset: $0) }
                if let run { try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.running.rawValue, runID: run.id) }
                return .trial(number: number, run: run, assignment: assignment, isContinued: false)
            case .resume(let number), .promote(let number):
                let record = records.first { $0.number == number }!
                guard let runID = record.runID else {
                    throw CLIError("sweep \(sweep.name) trial \(number) has no run to continue; its record is damaged")
                }
                try store.claimRun(runID: runID)
                try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.running.rawValue)
                return .trial(number: number, run: try store.run(id: runID), assignment: record.assignment, isContinued: true)
            }
        }
    }

    /// The trials as the scheduler sees them; with `findingOrphans`, a running trial whose worker
    /// is gone (a dead pid on this host, a stale heartbeat elsewhere) is marked so.
    private func snapshots(_ records: [SweepTrialRecord], findingOrphans: Bool) throws -> [TrialSnapshot] {
        let crashed = findingOrphans ? Set(try store.crashedRunIDs()) : []
        return try records.map { record in
            var isOwnerGone = false
            if findingOrphans, record.state == TrialState.running.rawValue {
                if let runID = record.runID {
                    isOwnerGone = try crashed.contains(runID) || store.run(id: runID).status != .running
                } else {
                    isOwnerGone = Date().timeIntervalSince(record.updatedAt) > Store.heartbeatTimeout
                }
            }
            return TrialSnapshot(
                number: record.number, state: TrialState(rawValue: record.state) ?? .failed, assignment: record.assignment,
                step: record.step, points: record.points, isOwnerGone: isOwnerGone)
        }
    }

    /// The run of a new trial of nnreg's trainer (nil for an outside program: `nnreg track` makes its own).
    private func newRun(number: Int, assignment: Assignment, dataset: DatasetIdentity) throws -> Run {
        let train = try TrialSettings.train(spec, assignment)
        let hyperparameters = try train.hyperparameters()
        var newRun = NewRun(
            name: "\(sweep.name)-\(number)", seed: Int64(bitPattern: hyperparameters.seed), targetSteps: hyperparameters.steps,
            datasetName: dataset.name, datasetSHA256: dataset.sha256, nnregVersion: NNReg.version,
            params: hyperparameters.params(checkpointEvery: train.checkpointEvery),
            tags: ["sweep": sweep.name, "sweep.trial": String(number)])
        newRun.experimentID = sweep.experimentID
        return try store.createRun(newRun)
    }

    // MARK: nnreg's trainer

    private func train(number: Int, run: Run, assignment: Assignment, isContinued: Bool, dataset: Dataset, scheduler: Scheduler) throws {
        let train = try TrialSettings.train(spec, assignment)
        var trainer: Trainer
        var lastCheckpoint: Int?
        do {
            if isContinued, let checkpoint = try store.latestCheckpoint(runID: run.id) {
                trainer = try Trainer(restoring: [UInt8](checkpoint.trainerState), weights: [UInt8](checkpoint.weights), dataset: dataset)
                lastCheckpoint = checkpoint.info.step
            } else {
                let hyperparameters = try train.hyperparameters()
                try hyperparameters.validate(trainingCount: dataset.train.count)
                trainer = try Trainer(hyperparameters: hyperparameters, dataset: dataset)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            try endTrial(number, run: run, state: .failed, step: 0, status: .failed)
            log("trial \(number) cannot start: \(error)")
            return
        }
        if let trained = run.datasetSHA256, trained != dataset.identity.sha256 {
            throw CLIError("sweep \(sweep.name) trains on \(run.datasetName ?? "another dataset") (sha256 \(trained.prefix(12))…), but --data holds \(dataset.identity.name); pass the same --data")
        }
        if isContinued {
            try store.updateRun(runID: run.id, stepsDone: trainer.step)
            try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.running.rawValue, step: trainer.step, savedSteps: trainer.step)
            if try isPrunedOnContinuing(number: number, run: run, step: trainer.step, scheduler: scheduler) {
                try endTrial(number, run: run, state: .pruned, step: trainer.step, status: .pruned)
                log("trial \(number) pruned at step \(trainer.step), judged on continuing (its worker had stopped before the verdict)")
                return
            }
        }
        log("trial \(number) (\(run.name)) \(isContinued ? "continues from step \(trainer.step)" : "starts"): \(describe(assignment))")
        let pruner = scheduler.pruner
        if sharesCores { KernelPath.setUsesTwoCores(false) }  // until a display step finds it alone
        var session = TrainingSession(
            store: store, run: run, trainer: trainer, dataset: dataset, target: spec.steps, checkpointEvery: train.checkpointEvery,
            isJSON: true, lastCheckpointStep: lastCheckpoint)
        session.checkpointSteps = Set(pruner.rungs)
        session.judge = { report in try judge(number: number, report: report, scheduler: scheduler) }
        let outcome: TrainingSession.Outcome
        do {
            outcome = try session.execute()
        } catch let error as CLIError where error.exitCode == 130 {
            try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.stopped.rawValue, step: trainer.step)
            throw error
        } catch let error as CLIError {
            try store.updateSweepTrial(sweepID: sweep.id, number: number, state: TrialState.failed.rawValue, step: trainer.step)
            log("trial \(number) failed: \(error.description)")
            return
        }
        let state: TrialState = switch outcome.status {
        case RunStatus.finished.rawValue: .finished
        case RunStatus.pruned.rawValue: .pruned
        default: .stopped
        }
        if state == .finished, try store.sweepPoints(sweepID: sweep.id, step: spec.steps).allSatisfy({ $0.number != number }) {
            // Finished from a checkpoint at its last step: its judged value is the one recorded there.
            if let value = try store.metricCurve(runID: run.id, key: spec.metric).last(where: { $0.step == spec.steps })?.value {
                try store.recordSweepPoint(sweepID: sweep.id, number: number, step: spec.steps, value: storable(value))
            }
        }
        try store.updateSweepTrial(sweepID: sweep.id, number: number, state: state.rawValue, step: trainer.step)
        let value = try store.sweepTrials(sweepID: sweep.id).first { $0.number == number }?.lastValue
        log("trial \(number) \(state.rawValue) at step \(trainer.step)"
            + (value.map { String(format: ", %@ %.4f", spec.metric, $0) } ?? "")
            + (outcome.testAccuracy.map { String(format: ", test accuracy %.4f", $0) } ?? ""))
    }

    /// At a display step: the pruner's verdict where the sweep judges its trials (see `verdict`); a
    /// stopped sweep stops here.
    private func judge(number: Int, report: StepReport, scheduler: Scheduler) throws -> RunStatus? {
        if scheduler.pruner.isJudged(report.step) {
            guard let value = Self.metric(spec.metric, of: report) else {
                throw CLIError("the trainer reports no \(spec.metric) (it has loss, accuracy, val_loss, val_accuracy; the val_ ones need --validation N)")
            }
            if try verdict(number: number, step: report.step, value: value, scheduler: scheduler) { return .pruned }
        }
        if sharesCores {
            KernelPath.setUsesTwoCores(try store.sweepTrials(sweepID: sweep.id).count { $0.state == TrialState.running.rawValue } == 1)
        }
        return try store.sweepState(sweepID: sweep.id) == "running" ? nil : .interrupted
    }

    /// The metric recorded at a judged step, and whether the pruner stops the trial there, in one
    /// transaction with the other trials' values at that step (and, for successive halving, how
    /// many may yet arrive there).
    private func verdict(number: Int, step: Int, value: Double, scheduler: Scheduler) throws -> Bool {
        let pruner = scheduler.pruner
        return try store.inTransaction {
            try store.recordSweepPoint(sweepID: sweep.id, number: number, step: step, value: storable(value))
            guard step < spec.steps else { return false }
            let records = try store.sweepTrials(sweepID: sweep.id)
            let others = records.compactMap { $0.number == number ? nil : $0.points[step] }
            var pending = 0
            if pruner.isCertainBeforeGoingOn, let rung = pruner.rungs.firstIndex(of: step) {
                // This trial counts as paused at the rung it reached.
                let trials = try snapshots(records, findingOrphans: false).map { trial in
                    trial.number != number ? trial : TrialSnapshot(
                        number: number, state: .pruned, assignment: trial.assignment, step: step, points: trial.points)
                }
                pending = scheduler.pendingArrivals(trials)[rung]
            }
            return pruner.shouldStop(value: value, at: step, others: others, pending: pending)
        }
    }

    /// A trial continued from a checkpoint at a judged step that has no point there (its worker
    /// died between the checkpoint and the verdict) is judged there now, on the metric recorded
    /// with that checkpoint, before it trains on.
    private func isPrunedOnContinuing(number: Int, run: Run, step: Int, scheduler: Scheduler) throws -> Bool {
        guard step < spec.steps, scheduler.pruner.isJudged(step),
              try store.sweepTrials(sweepID: sweep.id).first(where: { $0.number == number })?.points[step] == nil,
              let value = try store.metricCurve(runID: run.id, key: spec.metric).last(where: { $0.step == step })?.value
        else { return false }
        return try verdict(number: number, step: step, value: value, scheduler: scheduler)
    }

    static func metric(_ name: String, of report: StepReport) -> Double? {
        switch name {
        case "loss": Double(report.loss)
        case "accuracy": Double(report.accuracy)
        case "val_loss": report.validation?.loss
        case "val_accuracy": report.validation?.accuracy
        default: nil
        }
    }

    /// NaN ranks last (the store keeps no NaN in a sweep's points).
    private func storable(_ value: Double) -> Double {
        value.isNaN ? (spec.isMaximizing ? -.infinity : .infinity) : value
    }

    private func endTrial(_ number: Int, run: Run, state: TrialState, step: Int, status: RunStatus) throws {
        try store.finishRun(runID: run.id, status: status)
        try store.updateSweepTrial(sweepID: sweep.id, number: number, state: state.rawValue, step: step)
    }

    // MARK: An outside program

    /// Runs the trial's command through `nnreg track`'s recording; the judge reads the sweep's
    /// metric from its output and stops the program when the pruner says so.
    private func execute(number: Int, assignment: Assignment, tags: [String: String]) throws {
        var request = TrackRequest(command: spec.command(for: assignment) ?? [])
        request.name = "\(sweep.name)-\(number)"
        request.experiment = sweep.name
        request.tags = tags.merging(["sweep": sweep.name, "sweep.trial": String(number)]) { $1 }
        request.params = assignment.mapValues(FlagParams.typed)
        request.readsFlagParams = false
        request.echoesOutput = false  // recorded with the run: 'nnreg logs RUN'
        request.nnregVersion = NNReg.version
        let judge = OutsideJudge(db: db, sweepID: sweep.id, number: number, metric: spec.metric, pruner: spec.pruner)
        request.watcher = { key, step, value in judge.watch(key: key, step: step, value: value) }
        let checked: CheckedTrackRequest
        do { checked = try ProcessTracker.validate(request) } catch { throw CLIError("sweep \(sweep.name) trial \(number): \(error)") }
        log("trial \(number) starts: \(describe(assignment))")
        let sweepID = sweep.id
        let outcome = try ProcessTracker.run(checked, store: try StoreOpening.open(db)) { run in
            _ = try? run.withStore { store, id in
                try store.updateSweepTrial(sweepID: sweepID, number: number, state: TrialState.running.rawValue, runID: id)
            }
        }
        let state: TrialState = switch outcome.status {
        case .finished: .finished
        case .pruned: .pruned
        case .interrupted: .stopped
        default: .failed
        }
        let last = try store.metricCurve(runID: outcome.runID, key: spec.metric).last
        if state == .finished, let last {
            try store.recordSweepPoint(sweepID: sweep.id, number: number, step: max(last.step, spec.steps), value: storable(last.value))
        }
        try store.updateSweepTrial(
            sweepID: sweep.id, number: number, state: state.rawValue, step: last?.step ?? 0, runID: outcome.runID)
        log("trial \(number) \(state.rawValue)" + (last.map { String(format: " at step %d, %@ %.4f", $0.step, spec.metric, $0.value) } ?? ""))
        if state == .stopped { throw CLIError("sweep \(sweep.name) interrupted", exitCode: 130, isQuiet: true) }
    }

    private func describe(_ assignment: Assignment) -> String {
        spec.space.parameters.filter { !$0.domain.isFixed }.map { "\($0.name)=\(assignment[$0.name] ?? "")" }.joined(separator: " ")
    }

    private func log(_ line: String) {
        if !isQuiet { Terminal.diagnostic("[\(sweep.name)] \(line)") }
    }
}
