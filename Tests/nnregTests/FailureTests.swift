import Foundation
import Testing

/// Runs that cannot go on: a loss that stops being finite, a disk that fills during a checkpoint.
/// Either way the run ends `failed` with one line saying why and what to do, and every earlier
/// checkpoint stays usable.
@Suite(.serialized) struct FailureTests {
    @Test func aNonFiniteLossFailsTheRunNamingTheStepAndKeepsTheLastGoodCheckpoint() throws {
        let cli = try CommandLineHarness()
        // A learning rate near Float's limit overflows the weights within a few steps, the same way
        // every time; a checkpoint every step leaves the last good one just before. The first
        // setting that fails after step 1 on this dataset is used (deterministic, bounded search).
        var found: (name: String, line: String, step: Int)?
        for (attempt, (rate, batch)) in [("1e38", "32"), ("1e38", "4"), ("1e38", "1"), ("3e38", "32")].enumerated() {
            let name = attempt == 0 ? "diverged" : "diverged-\(attempt)"
            let train = try cli.run(["train", "--name", name, "--learning-rate", rate, "--batch-size", batch, "--steps", "200",
                                     "--display-step", "1000", "--checkpoint-every", "1", "--hidden1", "16", "--hidden2", "16",
                                     "--predictions", "0"])
            guard train.status == 1 else { continue }
            let lines = train.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(lines.count == 1, "\(train.stderr)")
            let line = String(try #require(lines.first))
            let match = try #require(line.firstMatch(of: /infinite at step (\d+)/), "\(line)")
            let step = try #require(Int(match.1))
            if step >= 2 {
                found = (name, line, step)
                break
            }
        }
        let (name, line, step) = try #require(found, "no setting made the loss non-finite after step 1")
        #expect(line.contains("its last good checkpoint is \(name)@\(step - 1)"), "\(line)")
        let show = try cli.run(["show", name, "--json"]).object
        #expect(show["status"] as? String == "failed")
        #expect((show["checkpoints"] as? [[String: Any]])?.last?["step"] as? Int == step - 1)
        let eval = try cli.run(["eval", name, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.object["step"] as? Int == step - 1)
        // Resuming is possible and, being bit-exact, meets the same step again.
        let resume = try cli.run(["resume", name])
        #expect(resume.stderr.contains("from step \(step - 1)"), "\(resume.stderr)")
        #expect(resume.status == 1 && resume.stderr.contains("infinite at step \(step)"))
        #expect(try cli.run(["show", name, "--json"]).object["status"] as? String == "failed")
    }

    /// The store on a 4 MB tmpfs: the WAL fills during the fourth checkpoint.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskDuringACheckpointFailsTheRunAndEarlierCheckpointsResume() throws {
        let cli = try CommandLineHarness()
        let mountPoint = cli.directory + "/small-disk"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard try Self.shell("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint) == 0 else {
            print("skipped: cannot mount a tmpfs here")
            return
        }
        defer { _ = try? Self.shell("umount", mountPoint) }
        let db = ["NNREG_DB": mountPoint + "/runs.sqlite"]
        let train = try cli.run(["train", "--name", "full", "--steps", "600", "--display-step", "50",
                                 "--checkpoint-every", "50", "--batch-size", "32", "--predictions", "0"], environment: db)
        #expect(train.status == 1)
        let lines = train.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(lines.count == 1, "\(train.stderr)")
        let line = String(try #require(lines.first))
        #expect(line.contains("is full") && line.contains("nnreg resume full"), "\(line)")
        #expect(!line.contains("SQLite") && !line.contains("disk I/O"))
        let show = try cli.run(["show", "full", "--json"], environment: db).object
        #expect(show["status"] as? String == "failed")
        let steps = (show["checkpoints"] as? [[String: Any]] ?? []).compactMap { $0["step"] as? Int }
        #expect(!steps.isEmpty && steps == Array(stride(from: 50, through: steps.count * 50, by: 50)))
        #expect(line.contains("full@\(steps.last ?? 0)"))
        #expect(try cli.run(["eval", "full", "--json"], environment: db).status == 0)
        // Room again: the run continues from its last good checkpoint and finishes.
        #expect(try Self.shell("mount", "-o", "remount,size=64m", mountPoint) == 0)
        let resume = try cli.run(["resume", "full", "--json"], environment: db)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.object["status"] as? String == "finished")
        let check = try cli.run(["check"], environment: db)
        #expect(check.status == 0 || check.stderr.contains("Unknown") || check.stderr.contains("unexpected"), "\(check.stdout)")
    }

    static func shell(_ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
