import Foundation
import TestSupport
import Testing

@testable import Store

/// Kills `nnreg train`/`nnreg resume` at random moments and checks after every kill that the store is
/// intact, the run tells the truth about its state and resumes; the finished run must have the same
/// final weights as an uninterrupted one. `scripts/torture.sh` does the same at a larger scale.
@Suite(.serialized) struct TortureTests {
    /// A small network on the harness's 1000 images: fast steps, small checkpoints, many of them.
    /// The victim's target is out of reach; the final `resume --steps` picks the end once the kills
    /// are done, so the test does not depend on how fast this machine trains.
    static let settings = [
        "--batch-size", "32", "--display-step", "10", "--checkpoint-every", "25",
        "--hidden1", "16", "--hidden2", "16", "--shuffle-buffer", "300", "--seed", "11", "--predictions", "0",
    ]
    static let victim = settings + ["--steps", "1000000"]

    @Test(arguments: StoreBackend.available)
    func killNineAtRandomMomentsThenResumeGivesTheUninterruptedWeights(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(backend: backend)
        let hasCheck = try cli.run(["check", "--help"]).status == 0
        var kills = 0, resumes = 0, lastCheckpoint = -1
        var hasRun = false
        let started = Date()
        while kills < 24 {
            let process = try cli.start(
                hasRun ? ["resume", "victim", "--json"] : ["train", "--name", "victim", "--json"] + Self.victim)
            // Random moments from process start-up to well into training (random delays, not synchronisation).
            usleep(UInt32.random(in: 0...350_000))
            kill(process.processIdentifier, SIGKILL)
            let result = cli.finish(process)
            kills += 1
            #expect(try Self.integrity(cli.db) == "ok", "after kill \(kills)")
            if hasCheck {
                let check = try cli.run(["check"])
                #expect(check.status == 0, "nnreg check after kill \(kills): \(check.stdout)\(check.stderr)")
            }
            let show = try cli.run(["show", "victim", "--json"])
            guard show.status == 0 else {
                // Killed before the run was created: nothing may have been recorded.
                #expect(!hasRun, "run vanished after kill \(kills): \(show.stderr)")
                continue
            }
            if hasRun { resumes += 1 }
            hasRun = true
            #expect(show.object["status"] as? String == "crashed", "after kill \(kills)")
            let steps = (show.object["checkpoints"] as? [[String: Any]] ?? []).compactMap { $0["step"] as? Int }
            let latest = steps.last ?? -1
            #expect(latest >= lastCheckpoint, "checkpoints went back from \(lastCheckpoint) to \(latest)")
            lastCheckpoint = latest
        }
        let end = lastCheckpoint + 60
        let final = try cli.run(["resume", "victim", "--steps", "\(end)", "--json"])
        #expect(final.status == 0, "\(final.stderr)")
        #expect(final.object["status"] as? String == "finished")
        #expect(final.object["checkpoint_sha256"] as? String == (try Self.referenceSHA256(cli, steps: end)))
        #expect(try Self.integrity(cli.db) == "ok")
        print("torture (\(backend)): \(kills) kill -9 survived (\(resumes) during resume), last checkpoint before the end at "
            + "step \(lastCheckpoint), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(kills >= 20)
    }

    @Test func sigtermAndSigintEndTheRunInterruptedAndResumeIsBitExact() throws {
        let cli = try CommandLineHarness()
        var signals = 0
        var process = try cli.start(["train", "--name", "victim", "--json"] + Self.victim)
        for round in 0..<8 {
            let signal = round % 2 == 0 ? SIGTERM : SIGINT
            // The run is ours once the store shows this process as its owner; then a random moment.
            try Self.waitUntilOwned(cli.db, run: "victim", by: process.processIdentifier)
            usleep(UInt32.random(in: 0...150_000))
            kill(process.processIdentifier, signal)
            let result = cli.finish(process)
            let status = try cli.run(["show", "victim", "--json"]).object["status"] as? String
            signals += 1
            #expect(result.status == 130, "signal \(signal): \(result.stderr)")
            #expect(status == "interrupted")
            #expect(try Self.integrity(cli.db) == "ok")
            if round < 7 { process = try cli.start(["resume", "victim", "--json"]) }
        }
        let stepsDone = try #require(try cli.run(["show", "victim", "--json"]).object["steps_done"] as? Int)
        let end = stepsDone + 60
        let final = try cli.run(["resume", "victim", "--steps", "\(end)", "--json"])
        #expect(final.status == 0, "\(final.stderr)")
        #expect(final.object["status"] as? String == "finished")
        #expect(final.object["checkpoint_sha256"] as? String == (try Self.referenceSHA256(cli, steps: end)))
        #expect(signals == 8)
    }

    @Test func aRunKilledBeforeItsFirstCheckpointStartsOverFromItsSeed() throws {
        let cli = try CommandLineHarness()
        let settings = Self.settings.map { $0 == "25" ? "100000" : $0 } + ["--steps", "1500"]  // only the final checkpoint
        let expected = try Self.referenceSHA256(cli, steps: 1500)
        let process = try cli.start(["train", "--name", "victim", "--json"] + settings)
        try Self.waitUntilOwned(cli.db, run: "victim", by: process.processIdentifier)
        kill(process.processIdentifier, SIGKILL)
        _ = cli.finish(process)
        let show = try cli.run(["show", "victim", "--json"]).object
        #expect(show["status"] as? String == "crashed")
        #expect((show["checkpoints"] as? [Any])?.isEmpty == true)
        let resumed = try cli.run(["resume", "victim"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("from step 0"))
        let sha = { (name: String) in
            ((try cli.run(["show", name, "--json"]).object["checkpoints"] as? [[String: Any]])?.last?["sha256"] as? String)
        }
        #expect(try sha("victim") == expected)
    }

    // MARK: Helpers

    /// Trains the same settings without interruption and returns its final checkpoint's SHA-256.
    static func referenceSHA256(_ cli: CommandLineHarness, steps: Int) throws -> String {
        let reference = try cli.run(["train", "--name", "reference", "--steps", "\(steps)", "--json"] + settings)
        #expect(reference.status == 0, "\(reference.stderr)")
        return try #require(reference.object["checkpoint_sha256"] as? String)
    }

    /// `PRAGMA integrity_check` on a fresh connection (which also recovers a WAL a kill left behind).
    /// On PostgreSQL, which checks its own pages, the Store's own check stands in for it.
    static func integrity(_ path: String) throws -> String? {
        let store = try Store(path: path)
        if Store.isServerLocation(path) { return try store.check().isHealthy ? "ok" : "\(try store.check().problems)" }
        return try store.database.string(sql: "PRAGMA integrity_check")
    }

    /// Polls the store (bounded) until `run` is `running` with `pid` as its owner.
    static func waitUntilOwned(_ path: String, run: String, by pid: Int32, timeout: TimeInterval = 30) throws {
        let store = try Store(path: path)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = try? store.run(reference: run), found.status == .running, found.pid == pid { return }
            usleep(2_000)
        }
        Issue.record("run \(run) was not claimed by pid \(pid) within \(timeout)s")
    }
}
