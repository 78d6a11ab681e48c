import Foundation
import Testing

/// The built binary, every command, on a small generated dataset.
@Suite(.serialized) struct EndToEndTests {
    @Test func trainRecordsTheRunAndEveryCommandReadsIt() throws {
        let cli = try CommandLineHarness()
        let train = try cli.run(["train", "--steps", "400", "--display-step", "50", "--checkpoint-every", "200",
                                 "--name", "first", "--tag", "team=core", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        let outcome = train.object
        #expect(outcome["run_id"] as? Int == 1)
        #expect(outcome["name"] as? String == "first")
        #expect(outcome["status"] as? String == "finished")
        #expect(outcome["steps"] as? Int == 400)
        let testAccuracy = try #require(outcome["test_accuracy"] as? Double)
        #expect(testAccuracy > 0.5)
        #expect(outcome["seconds"] is Double)

        let show = try cli.run(["show", "first", "--json"]).object
        #expect(show["run_id"] as? Int == 1)
        #expect(show["status"] as? String == "finished")
        #expect((show["params"] as? [String: Any])?["batch_size"] as? Int == 256)
        let loss = try #require((show["metrics"] as? [String: Any])?["loss"] as? [[Double]])
        #expect(loss.map { Int($0[0]) } == [50, 100, 150, 200, 250, 300, 350, 400])
        let checkpoints = try #require(show["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.map { $0["step"] as? Int } == [200, 400])
        #expect(checkpoints.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
        #expect((show["evaluations"] as? [Any])?.count == 1)

        // eval gives the same figure train reported, every time.
        let eval1 = try cli.run(["eval", "1", "--json"]).object
        let eval2 = try cli.run(["eval", "first@400", "--json"]).object
        #expect(eval1["accuracy"] as? Double == testAccuracy)
        #expect(eval2["accuracy"] as? Double == testAccuracy)
        #expect(eval1["loss"] as? Double == eval2["loss"] as? Double)
        let confusion = try #require(eval1["confusion"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 200)
        let older = try cli.run(["eval", "1@200", "--json"]).object
        #expect(older["step"] as? Int == 200)

        let text = try cli.run(["show", "1"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("loss (8 points"))
        #expect(text.stdout.contains(checkpoints[1]["sha256"] as! String))

        try cli.run(["train", "--steps", "200", "--learning-rate", "0.01", "--name", "second", "--json"])
        let list = try cli.run(["list", "--json"])
        #expect((list.json as? [[String: Any]])?.map { $0["name"] as? String } == ["second", "first"])
        let filtered = try cli.run(["list", "--where", "learning_rate > 0.005 and status = finished", "--json"])
        #expect((filtered.json as? [[String: Any]])?.map { $0["name"] as? String } == ["second"])
        let tagged = try cli.run(["list", "--tag", "team=core", "--csv"])
        #expect(tagged.stdout.split(separator: "\n").count == 2)
        let table = try cli.run(["list"])
        #expect(table.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 })

        let compare = try cli.run(["compare", "first", "second"])
        #expect(compare.status == 0)
        #expect(compare.stdout.contains("* learning_rate"))
        #expect(compare.stdout.contains("  batch_size"))
        let compareJSON = try cli.run(["compare", "1", "2", "--json"]).json as? [[String: Any]]
        #expect(compareJSON?.count == 2)

        let predict = try cli.run(["predict", "first", "--index", "0", "3", "--png", cli.directory + "/png", "--json"])
        let predictions = try #require(predict.json as? [[String: Any]])
        #expect(predictions.map { $0["index"] as? Int } == [0, 3])
        let png = try #require(predictions[0]["png"] as? String)
        #expect(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let drawn = try cli.run(["predict", "first", "--count", "2"])
        #expect(drawn.stdout.contains("true label") && drawn.stdout.contains("█"))
    }

    @Test func interruptedThenResumedRunEndsBitIdenticalToStraightRun() throws {
        let cli = try CommandLineHarness()
        let common = ["--steps", "1500", "--display-step", "20", "--checkpoint-every", "100", "--seed", "5", "--json"]
        let straight = try cli.run(["train", "--name", "straight"] + common)
        let expected = try #require(straight.object["checkpoint_sha256"] as? String)

        // SIGINT part-way: the current step finishes, a checkpoint is written, exit 130, status interrupted.
        let process = try cli.start(["train", "--name", "stopped"] + common)
        try cli.waitUntil(run: "stopped", reaches: 200)
        process.interrupt()
        let stopped = cli.finish(process)
        #expect(stopped.status == 130, "\(stopped.stderr)")
        let show = try cli.run(["show", "stopped", "--json"]).object
        #expect(show["status"] as? String == "interrupted")
        let stoppedAt = try #require(show["steps_done"] as? Int)
        #expect(stoppedAt < 1500)
        #expect((show["checkpoints"] as? [[String: Any]])?.last?["step"] as? Int == stoppedAt)

        let resumed = try cli.run(["resume", "stopped", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.object["status"] as? String == "finished")
        #expect(resumed.object["checkpoint_sha256"] as? String == expected)

        // kill -9 part-way: the run shows as crashed, and resumes to the same bits.
        let killed = try cli.start(["train", "--name", "killed"] + common)
        try cli.waitUntil(run: "killed", reaches: 300)
        kill(killed.processIdentifier, SIGKILL)
        _ = cli.finish(killed)
        let crashed = try cli.run(["show", "killed", "--json"]).object
        #expect(crashed["status"] as? String == "crashed")
        let again = try cli.run(["resume", "killed", "--json"])
        #expect(again.object["checkpoint_sha256"] as? String == expected, "\(again.stderr)")

        // A fork starts a new run linked to its parent.
        let fork = try cli.run(["resume", "straight@500", "--fork", "--name", "branch", "--steps", "700", "--json"])
        #expect(fork.object["status"] as? String == "finished", "\(fork.stderr)")
        let branch = try cli.run(["show", "branch", "--json"]).object
        #expect((branch["parent"] as? [String: Any])?["step"] as? Int == 500)
        #expect((branch["parent"] as? [String: Any])?["name"] as? String == "straight")
        let parent = try cli.run(["show", "straight", "--json"]).object
        #expect((parent["forks"] as? [[String: Any]])?.map { $0["name"] as? String } == ["branch"])
    }

    @Test func badInputEndsInOneLineAndLeavesTheStoreUnchanged() throws {
        let cli = try CommandLineHarness()
        try cli.run(["train", "--steps", "100", "--name", "base"])
        let before = try cli.storeFingerprint()
        let runtimeFailures: [[String]] = [
            ["show", "nope"], ["eval", "nope"], ["eval", "base@7"], ["predict", "base", "--index", "99999"],
            ["resume", "base"], ["train", "--batch-size", "5000"], ["train", "--data", cli.directory + "/missing"],
            ["list", "--where", "no_such_field > 1"], ["eval", "1@x"], ["eval", "base@champion"], ["eval", "nomodel:v1"],
        ]
        for arguments in runtimeFailures {
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.status)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.split(separator: "\n").count == 1,
                    "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let usageFailures: [[String]] = [
            ["train", "--learning-rate", "0"], ["train", "--learning-rate", "nan"], ["train", "--steps", "0"],
            ["train", "--batch-size", "0"], ["eval", "1@"], ["eval", "models:/x"], ["list", "--where", "accuracy >"], ["list", "--status", "odd"],
            ["compare", "1"], ["train", "--tag", "novalue"],
        ]
        for arguments in usageFailures {
            let result = try cli.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
        }
        #expect(try cli.storeFingerprint() == before)

        // A file that is not a store is refused and left as it was.
        let bogus = cli.directory + "/bogus.sqlite"
        try Data("not a database, just text".utf8).write(to: URL(fileURLWithPath: bogus))
        let refused = try cli.run(["list", "--db", bogus])
        #expect(refused.status == 1 && refused.stderr.hasPrefix("Error: "))
        #expect(try String(contentsOfFile: bogus, encoding: .utf8) == "not a database, just text")
    }

    @Test func binaryCopiedAloneCreatesAStore() throws {
        let cli = try CommandLineHarness()
        let lonely = cli.directory + "/alone"
        try FileManager.default.createDirectory(atPath: lonely, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cli.binary, toPath: lonely + "/nnreg")
        cli.binary = lonely + "/nnreg"
        let result = try cli.run(["list", "--db", lonely + "/fresh.sqlite"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("No runs"))
        #expect(FileManager.default.fileExists(atPath: lonely + "/fresh.sqlite"))
    }
}
