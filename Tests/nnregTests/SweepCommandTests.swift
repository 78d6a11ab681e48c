import Foundation
@testable import Store
import TestSupport
import Testing

/// `nnreg sweep` end to end: reproducible proposals, ASHA's promotions continuing bit-exactly from
/// checkpoints, killed and concurrent workers, an outside program, and the results.
@Suite struct SweepCommandTests {
    /// A sweep's trials as `sweep show --json` lists them, by number.
    static func trials(_ cli: CommandLineHarness, _ name: String) throws -> [[String: Any]] {
        let show = try cli.run(["sweep", "show", name, "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        return (show.object["trials"] as? [[String: Any]] ?? []).sorted { ($0["number"] as? Int ?? 0) < ($1["number"] as? Int ?? 0) }
    }

    static func finalSHA(_ cli: CommandLineHarness, run: String) throws -> String? {
        let checkpoints = try cli.run(["show", run, "--json"]).object["checkpoints"] as? [[String: Any]]
        return checkpoints?.max { ($0["step"] as? Int ?? 0) < ($1["step"] as? Int ?? 0) }?["sha256"] as? String
    }

    /// Seven learning rates, one rung at step 30 of 90, ASHA.
    static let oneRung = ["--method", "grid", "--prune", "asha", "--param", "lr=0.01,0.003,0.00001,0.000003,0.000001,0.0000005,0.0000002",
                          "--param", "optimizer=adam", "--param", "hidden=16", "--steps", "90", "--display-step", "10",
                          "--min-steps", "30", "--validation", "100", "--json"]
    static let small = ["--steps", "90", "--display-step", "10", "--min-steps", "10", "--validation", "100"]

    @Test(arguments: ["grid", "random", "tpe"])
    func theSameSweepProposesTheSameTrials(method: String) throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let options = ["--method", method, "--trials", "13", "--prune", "none", "--steps", "20", "--display-step", "10",
                       "--validation", "100", "--grid-points", "4", "--param", "lr=log:1e-3..1e-1", "--param", "hidden=8,16",
                       "--param", "optimizer=adam,sgd", "--json"]
        let first = try cli.run(["sweep", "a"] + options), second = try cli.run(["sweep", "b"] + options)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        let a = try Self.trials(cli, "a").map { $0["params"] as? [String: String] ?? [:] }
        let b = try Self.trials(cli, "b").map { $0["params"] as? [String: String] ?? [:] }
        #expect(a.count == 13 && a == b)
        #expect(Set(a.map { $0.description }).count > 8, "\(a)")
        // Each trial is a run of the sweep's experiment, with its params and the sweep tag.
        let list = try cli.run(["list", "--experiment", "a", "--json"]).json as? [[String: Any]] ?? []
        #expect(list.count == 13)
        let run = try cli.run(["show", "a-0", "--json"]).object
        #expect((run["tags"] as? [String: String])?["sweep"] == "a" && (run["params"] as? [String: Any])?["validation"] as? Int == 100)
    }

    /// One rung, at step 30. Trials 2… are worse than trial 1, which was paused there behind trial 0: ASHA
    /// promotes it once enough worse trials arrive, it continues from its checkpoint, and its final
    /// weights are those of an unpruned run of its settings.
    @Test func aPromotedTrialContinuesFromItsCheckpointToTheBitsOfAnUnprunedRun() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let sweep = try cli.run(["sweep", "promo"] + Self.oneRung)
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let trials = try Self.trials(cli, "promo")
        #expect(trials.count == 7)
        let continued = trials.filter { ($0["resumed"] as? Int ?? 0) > 0 && $0["state"] as? String == "finished" }
        #expect(!continued.isEmpty, "\(trials)")
        #expect((sweep.object["steps_resumed_saved"] as? Int ?? 0) > 0)
        for trial in continued {
            let params = trial["params"] as? [String: String] ?? [:]
            let straight = try cli.run(["train", "--name", "straight-\(trial["number"]!)", "--learning-rate", params["lr"]!, "--optimizer", "adam",
                                        "--hidden", "16", "--steps", "90", "--display-step", "10", "--validation", "100", "--predictions", "0", "--json"])
            #expect(straight.status == 0, "\(straight.stderr)")
            #expect(try Self.finalSHA(cli, run: trial["run"] as! String) == straight.object["checkpoint_sha256"] as? String)
        }
        // The paused ones end `pruned`, with a checkpoint at their rung.
        let pruned = try #require(trials.first { $0["state"] as? String == "pruned" })
        let run = try cli.run(["show", pruned["run"] as! String, "--json"]).object
        #expect(run["status"] as? String == "pruned")
        #expect((run["checkpoints"] as? [[String: Any]])?.last?["step"] as? Int == pruned["step"] as? Int)
        // The best is registered by the sweep's name.
        let register = try cli.run(["model", "register", "digits", "sweep:promo@best", "--json"])
        #expect(register.status == 0 && register.object["run_id"] as? Int == sweep.object["best"].flatMap { ($0 as? [String: Any])?["run_id"] as? Int })
    }

    /// A worker that dies after a rung's checkpoint but before the verdict leaves its trial `running`
    /// with no point at that rung. Claimed again, the trial is judged there on the metric recorded
    /// with the checkpoint before it trains on: here the worst at the rung, so it is paused again
    /// (not trained to the end unjudged).
    @Test func aTrialContinuedFromAnUnjudgedRungIsJudgedThereFirst() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let sweep = try cli.run(["sweep", "rung"] + Self.oneRung)
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let store = try Store(path: cli.db)
        let record = try store.existingSweep(named: "rung")
        let worst = try #require(try store.sweepTrials(sweepID: record.id).filter { $0.state == "pruned" && $0.step == 30 }
            .min { ($0.points[30] ?? 0) < ($1.points[30] ?? 0) })
        let value = try #require(worst.points[30])
        // The crash: the verdict's point is missing and the trial still claims to be running.
        try store.database.execute(sql: "DELETE FROM sweep_points WHERE sweep_id = \(record.id) AND number = \(worst.number) AND step = 30")
        try store.database.execute(sql: "UPDATE sweep_trials SET state = 'running' WHERE sweep_id = \(record.id) AND number = \(worst.number)")
        let resumed = try cli.run(["sweep", "resume", "rung"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("trial \(worst.number) pruned at step 30, judged on continuing"), "\(resumed.stderr)")
        let again = try #require(try store.sweepTrials(sweepID: record.id).first { $0.number == worst.number })
        #expect(again.state == "pruned" && again.step == 30 && again.points[30] == value, "\(again)")
        #expect(try store.run(id: try #require(again.runID)).status == .pruned)
    }

    /// `nnreg copy` carries a sweep with its runs: the destination shows the same trials, points and
    /// best, and `sweep:NAME@best` resolves there; copying again adds nothing; copying only some of
    /// its runs leaves it behind, and says so.
    @Test func aSweepIsCopiedWithItsRuns() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let sweep = try cli.run(["sweep", "carried", "--method", "grid", "--param", "lr=0.01,0.003,0.0001,0.00003",
                                 "--param", "hidden=8"] + Self.small + ["--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let partial = cli.directory + "/partial.sqlite"
        let some = try cli.run(["copy", cli.db, partial, "carried-0", "--json"])
        #expect(some.status == 0 && (some.object["sweeps_copied"] as? [String])?.isEmpty == true, "\(some.stderr)")
        #expect((some.object["sweeps_left_out"] as? [String])?.first?.hasPrefix("carried: 3 of its 4 trials") == true)
        let destination = cli.directory + "/other.sqlite"
        let copy = try cli.run(["copy", cli.db, destination, "--json"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(copy.object["sweeps_copied"] as? [String] == ["carried"])
        let here = try cli.run(["sweep", "show", "carried", "--json"]).object
        let there = try cli.run(["sweep", "show", "carried", "--json", "--db", destination]).object
        for field in ["trials", "best", "steps_trained", "state", "pruning", "best_command"] {
            #expect(try canonical(there[field]) == canonical(here[field]), "\(field)")
        }
        #expect(try cli.run(["model", "register", "digits", "sweep:carried@best", "--db", destination]).status == 0)
        let again = try cli.run(["copy", cli.db, destination, "--json"])
        #expect(again.status == 0 && (again.object["sweeps_copied"] as? [String])?.isEmpty == true, "\(again.stderr)")
        #expect((again.object["conflicts"] as? [Any])?.isEmpty == true)
    }

    func canonical(_ value: Any?) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys]), as: UTF8.self)
    }

    /// A worker killed with SIGKILL mid-trial leaves it `running` with a dead pid; `sweep resume`
    /// claims it again and continues it from its last checkpoint to the bits of an unbroken run.
    @Test func aKilledWorkersTrialIsClaimedAgainAndContinued() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let options = ["--method", "random", "--trials", "2", "--prune", "none", "--steps", "3000", "--display-step", "10",
                       "--checkpoint-every", "50", "--validation", "100", "--param", "lr=0.003", "--param", "hidden=16,24"]
        let worker = try cli.start(["sweep", "killed"] + options)
        try cli.waitUntil(run: "killed-0", reaches: 200)
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        let resumed = try cli.run(["sweep", "resume", "killed", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let trials = try Self.trials(cli, "killed")
        #expect(trials.count == 2 && trials.allSatisfy { $0["state"] as? String == "finished" && $0["step"] as? Int == 3000 }, "\(trials)")
        #expect((trials[0]["resumed"] as? Int ?? 0) >= 1)
        let hidden = (trials[0]["params"] as? [String: String])?["hidden"] ?? ""
        let straight = try cli.run(["train", "--learning-rate", "0.003", "--hidden", hidden, "--steps", "3000", "--display-step", "10",
                                    "--validation", "100", "--predictions", "0", "--json"])
        #expect(try Self.finalSHA(cli, run: trials[0]["run"] as! String) == straight.object["checkpoint_sha256"] as? String)
    }

    /// Two worker processes on one SQLite store: every trial runs once, and successive halving
    /// trains exactly its share at each rung.
    @Test func twoWorkersShareOneSQLiteStore() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let sweep = try cli.run(["sweep", "pair", "--workers", "2", "--trials", "8", "--method", "random", "--prune", "halving",
                                 "--param", "lr=log:1e-3..1e-1", "--param", "hidden=8,16"] + Self.small + ["--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let trials = try Self.trials(cli, "pair")
        #expect(trials.map { $0["number"] as? Int } == Array(0..<8))
        #expect(trials.allSatisfy { ["finished", "pruned"].contains($0["state"] as? String) })
        let runs = try cli.run(["list", "--experiment", "pair", "--json"]).json as? [[String: Any]] ?? []
        #expect(runs.count == 8 && Set(trials.compactMap { $0["run_id"] as? Int }).count == 8)
        // Successive halving's budget for 8 trials (rungs at 10 and 30 keep 2 and 1): one trains its
        // whole budget, paused and continued, on one core or two, to the bits of a straight run.
        let finished = trials.filter { $0["state"] as? String == "finished" }
        #expect(finished.count == 1 && trials.count { ($0["step"] as? Int ?? 0) >= 30 } == 2, "\(trials)")
        #expect(try cli.run(["sweep", "show", "pair", "--json"]).object["steps_trained"] as? Int == 8 * 10 + 2 * 20 + 60)
        for trial in finished {
            let params = trial["params"] as? [String: String] ?? [:]
            let straight = try cli.run(["train", "--learning-rate", params["lr"]!, "--hidden", params["hidden"]!, "--predictions", "0",
                                        "--steps", "90", "--display-step", "10", "--validation", "100", "--json"])
            #expect(try Self.finalSHA(cli, run: trial["run"] as! String) == straight.object["checkpoint_sha256"] as? String)
        }
    }

    /// An outside program swept through `nnreg track`'s metric extraction: bad settings are stopped
    /// by the median rule, every trial is a run with its params, the best's command line is given.
    @Test func anOutsideProgramIsSweptAndPrunedByKilling() throws {
        let cli = try CommandLineHarness(trainCount: 100, testCount: 20)
        let script = cli.directory + "/train.py"
        try """
            import sys, time
            quality = float(sys.argv[sys.argv.index("--quality") + 1])
            for step in range(1, 21):
                print(f"step: {step * 10}, val_accuracy: {quality * step / 20:.4f}", flush=True)
                time.sleep(0.03)
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let sweep = try cli.run(["sweep", "outside", "--method", "grid", "--prune", "median", "--steps", "200", "--display-step", "10",
                                 "--min-steps", "50", "--param", "quality=0.9,0.8,0.85,0.7,0.95,0.1,0.2", "--json", "--",
                                 "python3", script, "--quality", "{quality}"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let trials = try Self.trials(cli, "outside")
        #expect(trials.count == 7)
        #expect(trials[5]["state"] as? String == "pruned" && trials[6]["state"] as? String == "pruned", "\(trials)")
        #expect((trials[5]["step"] as? Int ?? 200) < 200)
        #expect(trials[0]["state"] as? String == "finished")
        let best = try #require(sweep.object["best"] as? [String: Any])
        #expect((best["params"] as? [String: String])?["quality"] == "0.95")
        #expect((sweep.object["best_command"] as? [String])?.suffix(2) == ["--quality", "0.95"])
        let run = try cli.run(["show", "outside-5", "--json"]).object
        #expect(run["status"] as? String == "pruned" && (run["params"] as? [String: Any])?["quality"] as? Double == 0.1)
    }

    @Test(arguments: [
        (["--param", "lr"], "NAME=VALUES"), (["--param", "steps=10,20"], "sweep sets --steps"),
        (["--param", "frobnicate=1,2"], "frobnicate"), (["--param", "lr=log:0..1"], "LOW > 0"),
        (["--param", "activation=relu,swish"], "swish"), (["--method", "bayes", "--param", "lr=0.1"], "--method"),
        (["--param", "lr=0.1", "--steps", "95"], "multiple of --display-step"),
        (["--param", "lr=0.1..0.2", "--method", "grid"], "--grid-points"),
    ])
    func nonsenseSweepsEndInOneLineAndWriteNothing(arguments: [String], named: String) throws {
        let cli = try CommandLineHarness(trainCount: 100, testCount: 20)
        let result = try cli.run(["sweep", "bad"] + arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(lines.count == 1 && lines[0].contains(named), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.db), "a refused sweep created the store")
        let unknown = try cli.run(["sweep", "show", "nope"])
        #expect(unknown.status == 1 && unknown.stderr.hasPrefix("Error:"), "\(unknown.stderr)")
    }
}

/// Workers on two hosts share one sweep through PostgreSQL: each trial is claimed by one of them.
@Suite(.serialized, .enabled(if: StoreBackend.available.contains(.postgresql)))
struct PostgresSweepTests {
    @Test func twoHostsTakeTrialsFromOneSweep() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100, backend: .postgresql)
        let first = try cli.start(["sweep", "shared", "--trials", "8", "--method", "random", "--param", "lr=log:1e-3..1e-1",
                                   "--param", "hidden=8,16", "--steps", "3000", "--display-step", "100", "--min-steps", "100",
                                   "--validation", "100", "--json"], environment: ["NNREG_HOST": "host-a", "NNREG_PARALLEL": "0"])
        let deadline = Date().addingTimeInterval(60)
        while try cli.run(["sweep", "list", "--json"]).stdout.contains("\"shared\"") == false, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let second = try cli.run(["sweep", "shared", "--join", "--json"], environment: ["NNREG_HOST": "host-b", "NNREG_PARALLEL": "0"])
        let firstResult = cli.finish(first)
        #expect(firstResult.status == 0 && second.status == 0, "\(firstResult.stderr) \(second.stderr)")
        let trials = try SweepCommandTests.trials(cli, "shared")
        #expect(trials.map { $0["number"] as? Int } == Array(0..<8))
        #expect(trials.allSatisfy { ["finished", "pruned"].contains($0["state"] as? String) }, "\(trials)")
        var hosts: [String: Int] = [:]
        for trial in trials {
            let run = try cli.run(["show", trial["run"] as! String, "--json"]).object
            hosts[run["host"] as? String ?? "?", default: 0] += 1
        }
        #expect(hosts.keys.sorted() == ["host-a", "host-b"], "\(hosts)")
        #expect((try cli.run(["list", "--experiment", "shared", "--json"]).json as? [Any])?.count == 8)
        // The sweep copies out of PostgreSQL with its runs, the same on the other side.
        let local = cli.directory + "/local.sqlite"
        let copy = try cli.run(["copy", cli.db, local, "--json"])
        #expect(copy.status == 0 && copy.object["sweeps_copied"] as? [String] == ["shared"], "\(copy.stderr)")
        let there = try cli.run(["sweep", "show", "shared", "--json", "--db", local]).object
        let here = try cli.run(["sweep", "show", "shared", "--json"]).object
        #expect(try SweepCommandTests().canonical(there["trials"]) == SweepCommandTests().canonical(here["trials"]))
    }
}
