import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Store

/// One PostgreSQL store written from several hosts at once: trainers that record different host
/// names (`NNREG_HOST`), a lister beside them, a run killed on one host and resumed on another,
/// and a connection the server drops in the middle of a run.
@Suite(.serialized, .enabled(if: StoreBackend.available.contains(.postgresql)))
struct ManyHostsTests {
    static let small = ["--hidden1", "16", "--hidden2", "16", "--batch-size", "16", "--predictions", "0",
                        "--shuffle-buffer", "300", "--seed", "5"]

    @Test func trainersOnFourHostsAndAListerLoseNothingAndACrashedRunResumesOnAnotherHost() throws {
        let cli = try CommandLineHarness(backend: .postgresql)
        let hosts = ["host-a", "host-b", "host-c", "host-d"]
        let steps = 1500, displayStep = 5, checkpointEvery = 25
        // Heartbeats every 5 s at most; a host that has not beaten for 8 s counts as gone.
        let timeout = ["NNREG_HEARTBEAT_TIMEOUT": "8"]
        let trainers = try hosts.map { host in
            try cli.start(
                ["train", "--name", "on-\(host)", "--steps", "\(steps)", "--display-step", "\(displayStep)",
                 "--checkpoint-every", "\(checkpointEvery)", "--json"] + Self.small,
                environment: ["NNREG_HOST": host].merging(timeout) { $1 })
        }
        let victim = try cli.start(
            ["train", "--name", "victim", "--steps", "1000000", "--display-step", "10", "--checkpoint-every", "50"]
                + Self.small, environment: ["NNREG_HOST": "host-a"].merging(timeout) { $1 })
        var listings = 0, listErrors: [String] = []
        while trainers.contains(where: \.isRunning) {
            let list = try cli.run(["list", "--json"], environment: ["NNREG_HOST": "host-lister"].merging(timeout) { $1 })
            listings += 1
            if list.status != 0 || list.json == nil { listErrors.append(list.stderr) }
        }
        for (host, trainer) in zip(hosts, trainers) {
            let result = cli.finish(trainer)
            #expect(result.status == 0, "\(host): \(result.stderr)")
            #expect(result.object["status"] as? String == "finished")
        }
        #expect(listErrors == [])
        #expect(listings > 0)
        let store = try Store(path: cli.db)
        for host in hosts {
            let run = try store.run(reference: "on-\(host)")
            #expect(run.host == host)
            #expect(try store.metricHistory(runID: run.id, key: "loss").count == steps / displayStep)
            #expect(try store.checkpoints(runID: run.id).count == steps / checkpointEvery)
        }
        #expect(try store.verifyAllBlobs().isEmpty)

        // host-a dies with the victim mid-run. Seen from host-b, its pid means nothing: the run stays
        // running until its heartbeat is older than the timeout, then shows crashed.
        kill(victim.processIdentifier, SIGKILL)
        _ = cli.finish(victim)
        let fromB = ["NNREG_HOST": "host-b"].merging(timeout) { $1 }
        #expect(try cli.run(["show", "victim", "--json"], environment: fromB).object["status"] as? String == "running")
        let deadline = Date().addingTimeInterval(40)
        var status = ""
        while Date() < deadline {
            status = try cli.run(["show", "victim", "--json"], environment: fromB).object["status"] as? String ?? ""
            if status == "crashed" { break }
            usleep(500_000)
        }
        #expect(status == "crashed")
        let checkpoints = try store.checkpoints(runID: try store.run(reference: "victim").id).map(\.step)
        let end = (checkpoints.last ?? 0) + 70
        let resumed = try cli.run(["resume", "victim", "--steps", "\(end)", "--json"], environment: fromB)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try store.run(reference: "victim").host == "host-b")
        let reference = try cli.run(
            ["train", "--name", "reference", "--steps", "\(end)", "--display-step", "10", "--checkpoint-every", "50", "--json"]
                + Self.small, environment: ["NNREG_HOST": "host-c"])
        #expect(resumed.object["checkpoint_sha256"] as? String != nil)
        #expect(resumed.object["checkpoint_sha256"] as? String == reference.object["checkpoint_sha256"] as? String)
        print("many hosts: \(hosts.count) trainers on \(hosts.count) hosts, \(listings) listings from a fifth, "
            + "victim killed on host-a at checkpoint \(checkpoints.last ?? 0), resumed bit-exactly on host-b to \(end)")
    }

    @Test func aConnectionDroppedMidRunIsOneClearErrorAndTheRunResumes() throws {
        let cli = try CommandLineHarness(backend: .postgresql)
        let settings = ["--display-step", "10", "--checkpoint-every", "50"] + Self.small
        let trainer = try cli.start(["train", "--name", "cut", "--steps", "1000000"] + settings)
        let watcher = try Store(path: cli.db)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? watcher.checkpoints(runID: watcher.run(reference: "cut").id).count) ?? 0 < 2 {
            usleep(20_000)
        }
        // The server ends the trainer's session, as a restart or a network cut would.
        let admin = try PostgresSession(location: try PostgresLocation(url: cli.db))
        let ended = try admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND pid <> pg_backend_pid() AND application_name = 'nnreg'")
        #expect(ended.count >= 1)
        let result = cli.finish(trainer)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(lines.count == 1 && lines.first?.contains("Lost the connection") == true, "\(result.stderr)")
        #expect(!result.stderr.contains("PSQLError"))
        let check = try cli.run(["check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // This test's own session was ended too: a new one.
        let store = try Store(path: cli.db)
        let steps = try store.checkpoints(runID: try store.run(reference: "cut").id).map(\.step)
        let end = (steps.last ?? 0) + 30
        let resumed = try cli.run(["resume", "cut", "--steps", "\(end)", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let reference = try cli.run(["train", "--name", "reference", "--steps", "\(end)", "--json"] + settings)
        #expect(resumed.object["checkpoint_sha256"] as? String == reference.object["checkpoint_sha256"] as? String)
    }
}
