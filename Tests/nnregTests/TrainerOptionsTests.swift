import Foundation
import Store
import Testing

/// The network, optimizer, schedule, validation and data options through the command line.
@Suite struct TrainerOptionsTests {
    @Test func aDeeperAdamRunRecordsItsSettingsAndValidationFigures() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        let train = try cli.run(["train", "--name", "deep", "--steps", "60", "--display-step", "20", "--predictions", "0",
                                 "--hidden", "32,16,24", "--activation", "gelu", "--init", "he", "--optimizer", "adamw",
                                 "--weight-decay", "0.01", "--learning-rate", "0.003", "--lr-schedule", "cosine", "--warmup", "10",
                                 "--validation", "100", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        let show = try cli.run(["show", "deep", "--json"]).object
        let params = try #require(show["params"] as? [String: Any])
        #expect(params["hidden"] as? String == "32,16,24" && params["hidden2"] as? Int == 16 && params["hidden3"] as? Int == 24)
        #expect(params["activation"] as? String == "gelu" && params["optimizer"] as? String == "adamw")
        #expect(params["lr_schedule"] as? String == "cosine" && params["warmup"] as? Int == 10 && params["validation"] as? Int == 100)
        #expect(params["init"] as? String == "he" && params["beta2"] as? Double == 0.999)
        let metrics = try #require(show["metrics"] as? [String: Any])
        let validation = try #require(metrics["val_accuracy"] as? [[Double]])
        #expect(validation.map { Int($0[0]) } == [20, 40, 60] && validation.allSatisfy { $0[1] >= 0 && $0[1] <= 1 })
        #expect((metrics["val_loss"] as? [[Double]])?.count == 3)
        let eval = try cli.run(["eval", "deep", "--json"]).object
        #expect(eval["accuracy"] as? Double == (train.object["test_accuracy"] as? Double))
    }

    @Test func anAdamRunResumedFromAnyCheckpointEndsWithTheSameBits() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        let options = ["--steps", "80", "--display-step", "10", "--checkpoint-every", "30", "--predictions", "0", "--hidden", "24",
                       "--activation", "relu", "--optimizer", "adam", "--learning-rate", "0.003", "--json"]
        let straight = try cli.run(["train", "--name", "straight"] + options).object
        let stopped = try cli.run(["train", "--name", "stopped", "--steps", "30"] + options.dropFirst(2))
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let resumed = try cli.run(["resume", "stopped", "--steps", "80", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.object["checkpoint_sha256"] as? String == straight["checkpoint_sha256"] as? String)
        // A fork with a new schedule continues the same state and says so in its params.
        let fork = try cli.run(["resume", "straight@60", "--fork", "--name", "cosine", "--lr-schedule", "cosine", "--steps", "90", "--json"])
        #expect(fork.status == 0, "\(fork.stderr)")
        let params = try cli.run(["show", "cosine", "--json"]).object["params"] as? [String: Any]
        #expect(params?["lr_schedule"] as? String == "cosine" && params?["optimizer"] as? String == "adam")
    }

    @Test(arguments: [
        (["--activation", "swish"], "--activation"), (["--optimizer", "lbfgs"], "--optimizer"),
        (["--lr-schedule", "step:0:0.5"], "--lr-schedule"), (["--hidden", "10,,20"], "--hidden"),
        (["--hidden", "1,1,1,1,1,1,1,1,1"], "--hidden"), (["--init", "normal:-1"], "--init"), (["--beta1", "1"], "--beta1"),
        (["--loss", "median"], "--loss"), (["--validation", "600"], "validation"), (["--weight-decay", "-1"], "--weight-decay"),
    ])
    func nonsenseOptionsEndInOneLineAndWriteNothing(arguments: [String], named: String) throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        let result = try cli.run(["train", "--steps", "5", "--predictions", "0"] + arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(lines.count == 1 && lines[0].contains(named), "\(result.stderr)")
        let list = try cli.run(["list", "--json"])
        #expect((list.json as? [Any])?.isEmpty ?? true, "\(list.stdout)")
    }

    @Test func aCSVFileTrainsEvaluatesAndPredicts() throws {
        let cli = try CommandLineHarness(trainCount: 10, testCount: 10)
        // Two classes on either side of a line, features on very different scales: --normalize matters.
        var lines = ["label,a,b,c"]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            let a = Double.random(in: -1...1, using: &g), b = Double.random(in: -1000...1000, using: &g)
            lines.append("\(a * 1000 + b > 0 ? 1 : 0),\(a),\(b),\(Double.random(in: 0...5, using: &g))")
        }
        let file = cli.directory + "/points.csv"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let environment = ["NNREG_DATA": file]
        let train = try cli.run(["train", "--name", "points", "--steps", "300", "--batch-size", "32", "--display-step", "100",
                                 "--hidden", "16", "--activation", "tanh", "--optimizer", "adam", "--learning-rate", "0.01",
                                 "--normalize", "--predictions", "3", "--json"], environment: environment)
        #expect(train.status == 0, "\(train.stderr)")
        let accuracy = try #require(train.object["test_accuracy"] as? Double)
        #expect(accuracy > 0.9, "a linear boundary is learned: \(accuracy)")
        let eval = try cli.run(["eval", "points", "--json"], environment: environment).object
        #expect(eval["accuracy"] as? Double == accuracy)
        let predict = try cli.run(["predict", "points", "--count", "3"], environment: environment)
        #expect(predict.status == 0 && predict.stdout.contains("model prediction"), "\(predict.stderr)")
        // The file itself through predict --input and the scoring endpoint: the normalization stored
        // with the model applies, and test row i (data row 5i + 4) gets predict's bits.
        let drawn = try #require(try cli.run(["predict", "points", "--index", "0", "1", "2", "--json"], environment: environment).json as? [[String: Any]])
        let reference = drawn.map { ScoringTests.floats($0["probabilities"]) }
        let given = try cli.run(["predict", "points", "--input", file, "--json"], environment: environment)
        let rows = try #require(given.json as? [[String: Any]], "\(given.stderr)")
        #expect(rows.count == 400 && [4, 9, 14].map { ScoringTests.floats(rows[$0]["probabilities"]) } == reference)
        let server = try ServeHarness(cli)
        let body = "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [\([5, 10, 15].map { "[\(lines[$0].split(separator: ",").dropFirst().joined(separator: ","))]" }.joined(separator: ","))]}}"
        let answer = try ScoringTests.post(server.url + "/models/points/invocations", Data(body.utf8), type: "application/json")
        #expect(answer.status == 200 && answer.predictions.map(\.probabilities) == reference, "\(answer.text)")
        // A ragged row is named and nothing is recorded.
        try (lines + ["1,0.5"]).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let ragged = try cli.run(["train", "--name", "ragged", "--steps", "5"], environment: environment)
        #expect(ragged.status != 0 && ragged.stderr.contains("402"), "\(ragged.stderr)")
        #expect(try cli.run(["show", "ragged"]).status != 0)
    }
}

/// A run recorded by an earlier nnreg (params hidden1, hidden2 and init_stddev only) that died before
/// its first checkpoint starts over with the settings those params meant: the seed's network and SGD.
@Suite struct OldRecordedParamsTests {
    @Test func anOldRunWithoutACheckpointStartsOverAsTheSeedsNetwork() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        let fresh = try cli.run(["train", "--name", "fresh", "--steps", "40", "--display-step", "20", "--hidden", "24,12",
                                 "--predictions", "0", "--json"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let store = try Store(path: cli.db)
        let dataSHA = try #require(try store.run(reference: "fresh").datasetSHA256)
        let old = try store.createRun(NewRun(
            name: "old", seed: 1, targetSteps: 40, datasetName: "data", datasetSHA256: dataSHA, nnregVersion: "0.9", notes: nil,
            params: ["steps": .int(40), "batch_size": .int(256), "learning_rate": .real(0.001), "display_step": .int(20),
                     "hidden1": .int(24), "hidden2": .int(12), "seed": .int(1), "shuffle_buffer": .int(5000),
                     "init_stddev": .real(0.05), "checkpoint_every": .int(500)],
            tags: [:]))
        try store.finishRun(runID: old.id, status: .crashed)
        let resumed = try cli.run(["resume", "old", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.object["checkpoint_sha256"] as? String == fresh.object["checkpoint_sha256"] as? String)
    }
}
