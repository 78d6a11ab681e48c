import Foundation
import Sweep
import Testing

@Suite struct SamplerTests {
    let space = try! SearchSpace(parsing: [
        "learning-rate=log:1e-4..1", "batch-size=32,64,128,256", "hidden1=int:32..512", "activation=relu,tanh",
    ])

    @Test func domainsParseAndBadOnesSayWhy() throws {
        #expect(try ParameterDomain(parsing: "log:1e-4..1") == .real(low: 1e-4, high: 1, isLog: true))
        #expect(try ParameterDomain(parsing: "int:32..512") == .integer(low: 32, high: 512, isLog: false))
        #expect(try ParameterDomain(parsing: "relu") == .choice(["relu"]))
        for bad in ["log:0..1", "int:5..5", "int:1.5..3", "a,,b", "a,a", "log:x..1"] {
            #expect(throws: SearchSpaceError.self) { try ParameterDomain(parsing: bad) }
        }
        #expect(throws: SearchSpaceError.repeated("lr")) { try SearchSpace(parsing: ["lr=1..2", "lr=3..4"]) }
    }

    @Test func theGridVisitsEveryCombinationOnceInOrder() throws {
        let grid = try GridSampler(space: try SearchSpace(parsing: ["a=1,2", "lr=log:0.001..0.1", "n=int:1..3"]), points: 3)
        #expect(grid.capacity == 18)
        let all = (0..<18).map { grid.propose(number: $0, history: []) }
        #expect(Set(all).count == 18)
        #expect(all[0] == ["a": "1", "lr": "0.001", "n": "1"] && all[1]["n"] == "2" && all[3]["lr"] == "0.01" && all[17]["lr"] == "0.1")
        #expect(throws: SearchSpaceError.gridNeedsPoints("lr")) { try GridSampler(space: try SearchSpace(parsing: ["lr=0..1"]), points: nil) }
    }

    @Test func randomDrawsDependOnTheSeedAndTheTrialOnly() {
        let a = RandomSampler(space: space, seed: 7), b = RandomSampler(space: space, seed: 7), c = RandomSampler(space: space, seed: 8)
        let first = (0..<20).map { a.propose(number: $0, history: []) }
        #expect(first == (0..<20).map { b.propose(number: $0, history: []) })
        #expect(first != (0..<20).map { c.propose(number: $0, history: []) })
        // Trial 5 is the same whatever came before it (workers may ask in any order).
        #expect(a.propose(number: 5, history: []) == first[5])
        for assignment in first {
            let lr = Double(assignment["learning-rate"]!)!, hidden = Int(assignment["hidden1"]!)!
            #expect(lr >= 1e-4 && lr <= 1 && hidden >= 32 && hidden <= 512)
            #expect(["32", "64", "128", "256"].contains(assignment["batch-size"]!))
        }
    }

    /// TPE on a known objective: the same history gives the same proposal, and after its random
    /// start it proposes settings closer to the optimum than random search does.
    @Test func tpeIsReproducibleAndFindsTheGoodRegion() {
        let space = try! SearchSpace(parsing: ["x=0..1", "kind=a,b,c,d"])
        func objective(_ assignment: Assignment) -> Double {
            let x = Double(assignment["x"]!)!
            return -abs(x - 0.8) - (assignment["kind"] == "c" ? 0 : 0.5)
        }
        func search(_ sampler: any Sampler, trials: Int) -> [Observation] {
            var history: [Observation] = []
            for number in 0..<trials {
                let assignment = sampler.propose(number: number, history: history)
                history.append(Observation(number: number, assignment: assignment, value: objective(assignment), step: 10, isComplete: true))
            }
            return history
        }
        let tpe = TPESampler(space: space, seed: 3, isMaximizing: true)
        let once = search(tpe, trials: 40), twice = search(tpe, trials: 40)
        #expect(once == twice)
        let random = search(RandomSampler(space: space, seed: 3), trials: 40)
        func meanOfLast(_ history: [Observation]) -> Double { history.suffix(20).map { $0.value! }.reduce(0, +) / 20 }
        #expect(meanOfLast(once) > meanOfLast(random) + 0.1, "TPE \(meanOfLast(once)) vs random \(meanOfLast(random))")
        #expect(once.suffix(20).count { $0.assignment["kind"] == "c" } >= 10)  // random: 5
    }

    /// Settings good only together (x near 0.2 with kind a, near 0.8 with kind b): TPE's density
    /// over the whole space keeps them together, which a density per parameter cannot.
    @Test func tpeKeepsSettingsThatAreGoodTogether() {
        let space = try! SearchSpace(parsing: ["x=0..1", "kind=a,b"])
        func isPaired(_ assignment: Assignment) -> Bool {
            abs(Double(assignment["x"]!)! - (assignment["kind"] == "a" ? 0.2 : 0.8)) < 0.15
        }
        let tpe = TPESampler(space: space, seed: 5, isMaximizing: true)
        var history: [Observation] = []
        for number in 0..<50 {
            let assignment = tpe.propose(number: number, history: history)
            let distance = abs(Double(assignment["x"]!)! - (assignment["kind"] == "a" ? 0.2 : 0.8))
            history.append(Observation(number: number, assignment: assignment, value: -distance, step: 10, isComplete: true))
        }
        let paired = history.suffix(30).count { isPaired($0.assignment) }
        #expect(paired >= 20, "\(paired) of 30 paired (random: 9)")
        #expect(Set(history.suffix(30).map { $0.assignment["kind"]! }) == ["a", "b"])
    }

    /// The constant liar: a trial running now counts among the bad ones, so the next proposal
    /// moves away from it.
    @Test func tpeMovesAwayFromTrialsRunningNow() {
        let space = try! SearchSpace(parsing: ["x=0..1"])
        let tpe = TPESampler(space: space, seed: 2, isMaximizing: true)
        let history = (0..<10).map { number in
            let x = 0.05 + Double(number) / 10
            return Observation(number: number, assignment: ["x": String(x)], value: -abs(x - 0.5), step: 10, isComplete: true)
        }
        let first = Double(tpe.propose(number: 10, history: history)["x"]!)!
        let running = Observation(number: 10, assignment: ["x": String(first)], value: nil, step: 0, isComplete: false, isRunning: true)
        // Trial 11 with and without trial 10 running: the same draws, only the liar differs.
        let without = Double(tpe.propose(number: 11, history: history)["x"]!)!
        let beside = Double(tpe.propose(number: 11, history: history + [running])["x"]!)!
        #expect(abs(first - 0.5) < 0.2 && abs(beside - 0.5) < 0.25)
        #expect(abs(beside - first) > abs(without - first), "trial 20 at \(first); 21 at \(without), beside it \(beside)")
    }
}

@Suite struct PrunerTests {
    @Test func ashaRungsAreEtaFoldAndOnDisplaySteps() {
        let pruner = Pruner(method: .asha, isMaximizing: true, budget: 2700, displayStep: 100)
        #expect(pruner.rungs == [100, 300, 900])
        #expect(pruner.target(after: 0) == 100 && pruner.target(after: 300) == 900 && pruner.target(after: 900) == 2700)
        #expect(pruner.isJudged(300) && !pruner.isJudged(200) && pruner.isJudged(2700))
        #expect(Pruner(method: .none, isMaximizing: true, budget: 2700, displayStep: 100).rungs.isEmpty)
    }

    @Test func ashaKeepsTheBestThirdAndPromotesPausedTrialsLater() {
        let pruner = Pruner(method: .asha, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100)
        #expect(pruner.shouldStop(value: 0.5, at: 100, others: []))  // the first two at a rung pause
        #expect(pruner.shouldStop(value: 0.6, at: 100, others: [0.5]))
        #expect(!pruner.shouldStop(value: 0.6, at: 100, others: [0.5, 0.4]))  // the best of three goes on
        #expect(pruner.shouldStop(value: 0.5, at: 100, others: [0.6, 0.4]))
        #expect(pruner.shouldStop(value: .nan, at: 100, others: []))
        // Without resume a stop is final: the best so far goes on, as Optuna's successive halving.
        let final = Pruner(method: .asha, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100, canResume: false)
        #expect(!final.shouldStop(value: 0.5, at: 100, others: []) && final.shouldStop(value: 0.4, at: 100, others: [0.5]))
        #expect(!pruner.shouldStop(value: 0.1, at: 900, others: [0.9]))  // the end is never pruned
        // Trial 1 paused at 0.4 against 0.5; four worse trials later make it one of the best two of six.
        let values = [(0, 0.5), (1, 0.4), (2, 0.1), (3, 0.2), (4, 0.3), (5, 0.35)]
        #expect(pruner.promotable(pausedAt: 100, values: Array(values.prefix(3)), paused: [1]).isEmpty)
        #expect(pruner.promotable(pausedAt: 100, values: values, paused: [1, 2]) == [1])
        let minimizing = Pruner(method: .asha, isMaximizing: false, budget: 900, displayStep: 100, minSteps: 100)
        #expect(minimizing.shouldStop(value: 0.5, at: 100, others: [0.4, 0.6]) && !minimizing.shouldStop(value: 0.3, at: 100, others: [0.4, 0.6]))
    }

    @Test func theMedianRuleWaitsForFiveOthers() {
        let pruner = Pruner(method: .median, isMaximizing: true, budget: 1000, displayStep: 100, minSteps: 200)
        #expect(!pruner.isJudged(100) && pruner.isJudged(200) && pruner.isJudged(500))
        #expect(!pruner.shouldStop(value: 0.1, at: 300, others: [0.5, 0.6, 0.7, 0.8]))
        #expect(pruner.shouldStop(value: 0.1, at: 300, others: [0.5, 0.6, 0.7, 0.8, 0.9]))
        #expect(!pruner.shouldStop(value: 0.75, at: 300, others: [0.5, 0.6, 0.7, 0.8, 0.9]))
    }

    @Test func theSchedulerContinuesOrphansThenPromotesThenProposes() throws {
        let space = try SearchSpace(parsing: ["lr=0..1"])
        let pruner = Pruner(method: .asha, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100)
        let scheduler = Scheduler(sampler: RandomSampler(space: space, seed: 1), pruner: pruner, trialLimit: 8)
        func trial(_ number: Int, _ state: TrialState, _ value: Double, gone: Bool = false) -> TrialSnapshot {
            TrialSnapshot(number: number, state: state, assignment: ["lr": "0.5"], step: 100, points: [100: value], isOwnerGone: gone)
        }
        #expect(scheduler.next([]) == .start(number: 0, assignment: RandomSampler(space: space, seed: 1).propose(number: 0, history: [])))
        #expect(scheduler.next([trial(0, .running, 0.9, gone: true), trial(1, .pruned, 0.5)]) == .resume(number: 0))
        let six = [trial(0, .running, 0.9), trial(1, .pruned, 0.5), trial(2, .pruned, 0.1), trial(3, .pruned, 0.2),
                   trial(4, .pruned, 0.3), trial(5, .pruned, 0.35)]
        #expect(scheduler.next(six) == .promote(number: 1))
        let final = Pruner(method: .asha, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100, canResume: false)
        let noResume = Scheduler(sampler: RandomSampler(space: space, seed: 1), pruner: final, trialLimit: 6)
        #expect(noResume.next(six) == .wait)
        #expect(noResume.next(six.map { $0.number == 0 ? trial(0, .finished, 0.9) : $0 }) == .done)
    }

    @Test func anASHASweepThatPausedEveryTrialEndsWithTheBestAtTheTopRungTrainedOnItsWholeBudget() throws {
        let space = try SearchSpace(parsing: ["lr=0..1"])
        let pruner = Pruner(method: .asha, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100)
        let scheduler = Scheduler(sampler: RandomSampler(space: space, seed: 1), pruner: pruner, trialLimit: 4)
        func trial(_ number: Int, _ state: TrialState, _ points: [Int: Double]) -> TrialSnapshot {
            TrialSnapshot(number: number, state: state, assignment: ["lr": "0.5"], step: points.keys.max()!, points: points)
        }
        // Four at rung 100 (one promoted); at rung 300 that one alone, paused: it goes on, not trial 3.
        var trials = [trial(0, .pruned, [100: 0.2]), trial(1, .pruned, [100: 0.9, 300: 0.95]),
                      trial(2, .pruned, [100: 0.3]), trial(3, .pruned, [100: 0.4])]
        #expect(scheduler.next(trials) == .promote(number: 1))
        trials[2] = trial(2, .running, [100: 0.3])
        #expect(scheduler.next(trials) == .wait)
        trials[2] = trial(2, .pruned, [100: 0.3])
        trials[1] = trial(1, .finished, [100: 0.9, 300: 0.95, 900: 0.97])
        #expect(scheduler.next(trials) == .done)
    }

    /// Successive halving makes its decisions as soon as they are certain: 9 trials, η = 3, rungs
    /// 100 and 300 keep 3 and 1.
    @Test func successiveHalvingPromotesEachTrialOnceItIsCertain() throws {
        let space = try SearchSpace(parsing: ["lr=0..1"])
        let pruner = Pruner(method: .halving, isMaximizing: true, budget: 900, displayStep: 100, minSteps: 100, trialCount: 9)
        #expect(pruner.share(ofRung: 0) == 3 && pruner.share(ofRung: 1) == 1)
        let scheduler = Scheduler(sampler: RandomSampler(space: space, seed: 1), pruner: pruner, trialLimit: 9)
        func trial(_ number: Int, _ state: TrialState, _ points: [Int: Double], step: Int? = nil) -> TrialSnapshot {
            TrialSnapshot(number: number, state: state, assignment: ["lr": "0.5"], step: step ?? points.keys.max() ?? 0, points: points)
        }
        // The best of the first one, or of six with three to come, is not yet certain; of seven with two to come, it is.
        #expect(pruner.shouldStop(value: 0.9, at: 100, others: [], pending: 8))
        #expect(pruner.shouldStop(value: 0.9, at: 100, others: [0.1, 0.2, 0.3, 0.4, 0.5], pending: 3))
        #expect(!pruner.shouldStop(value: 0.9, at: 100, others: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], pending: 2))
        #expect(pruner.shouldStop(value: 0.55, at: 100, others: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], pending: 2))
        // Seven paused at rung 100, one running toward it, one to start: two may yet arrive, and the
        // best of the seven (rank 1 + 2 ≤ 3) goes on; the second (2 + 2) waits.
        var trials = (0..<7).map { trial($0, .pruned, [100: Double($0) / 10]) } + [trial(7, .running, [:])]
        #expect(scheduler.pendingArrivals(trials) == [2, 3])
        #expect(scheduler.next(trials) == .promote(number: 6))
        trials[6] = trial(6, .running, [100: 0.6], step: 100)
        #expect(scheduler.next(trials).isStart)
        trials.append(trial(8, .running, [:]))
        #expect(scheduler.pendingArrivals(trials) == [2, 3] && scheduler.next(trials) == .wait)
        trials[7] = trial(7, .pruned, [100: 0.05])
        trials[8] = trial(8, .pruned, [100: 0.65])
        #expect(scheduler.next(trials) == .promote(number: 8))
        trials[8] = trial(8, .running, [100: 0.65], step: 100)
        #expect(scheduler.next(trials) == .promote(number: 5))
        trials[5] = trial(5, .running, [100: 0.5], step: 100)
        #expect(scheduler.next(trials) == .wait)  // exactly three go on from rung 100
        // At rung 300, one of three: two paused there, one failed on its way; the best goes on.
        trials[6] = trial(6, .pruned, [100: 0.6, 300: 0.7])
        trials[8] = trial(8, .failed, [100: 0.65], step: 250)
        #expect(scheduler.pendingArrivals(trials) == [0, 1])
        #expect(scheduler.next(trials) == .wait)
        trials[5] = trial(5, .pruned, [100: 0.5, 300: 0.75])
        #expect(scheduler.next(trials) == .promote(number: 5))
        trials[5] = trial(5, .finished, [100: 0.5, 300: 0.75, 900: 0.8])
        #expect(scheduler.next(trials) == .done)
    }
}

extension Job {
    var isStart: Bool { if case .start = self { true } else { false } }
}
