import ArgumentParser
import RunQuery
import Store
import Testing
@testable import nnreg

/// Every validation rejects what it should and accepts the seed's defaults.
@Suite struct ParsingTests {
    @Test func seedDefaults() throws {
        let train = try Train.parse([])
        let hyperparameters = try train.hyperparameters()
        #expect(hyperparameters.steps == 3000 && hyperparameters.batchSize == 256 && hyperparameters.displayStep == 100)
        #expect(hyperparameters.learningRate == 0.001 && hyperparameters.hidden == [128, 256])
        #expect(train.checkpointEvery == 500)
    }

    @Test(arguments: [
        ["--steps", "0"], ["--steps", "-3"], ["--batch-size", "0"], ["--learning-rate", "0"], ["--learning-rate", "-1"],
        ["--learning-rate", "nan"], ["--learning-rate", "inf"], ["--display-step", "0"], ["--hidden1", "0"],
        ["--checkpoint-every", "0"], ["--tag", "x"], ["--tag", "=v"], ["--name", "12"], ["--name", "a@b"], ["--shuffle-buffer", "0"],
    ])
    func trainRejects(arguments: [String]) {
        #expect(throws: (any Error).self) { try Train.parse(arguments) }
    }

    @Test func otherCommandsValidate() {
        #expect(throws: (any Error).self) { try List.parse(["--status", "odd"]) }
        #expect(throws: (any Error).self) { try List.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try List.parse(["--sort", "loss sideways"]) }
        #expect(RunQuery.parseSort("test_accuracy desc") == ("test_accuracy", true))
        #expect(RunQuery.parseSort("-loss") == ("loss", true))
        #expect(RunQuery.parseSort("loss") == ("loss", false))
        #expect(throws: (any Error).self) { try List.parse(["--json", "--csv"]) }
        #expect(throws: (any Error).self) { try List.parse(["--where", "a = "]) }
        #expect(throws: (any Error).self) { try Compare.parse(["1"]) }
        #expect(throws: (any Error).self) { try Eval.parse(["a@b@c"]) }
        #expect(throws: (any Error).self) { try Eval.parse(["3@"]) }
        #expect(throws: (any Error).self) { try Eval.parse(["models:/m"]) }
        #expect(throws: (any Error).self) { try Predict.parse(["1", "--count", "0"]) }
        #expect(throws: (any Error).self) { try Resume.parse(["1", "--steps", "0"]) }
        #expect(throws: (any Error).self) { try Resume.parse(["1", "--name", "x"]) }
        #expect(throws: Never.self) { try Resume.parse(["1@200", "--fork", "--name", "x"]) }
        #expect(throws: Never.self) { try List.parse(["--where", "test_accuracy > 0.93 and batch_size = 256", "--sort", "test_accuracy desc"]) }
    }

    @Test func checkpointReferences() throws {
        #expect(try ReferenceReading.readings(of: "brisk-otter@500") == [.run("brisk-otter@500", step: nil), .run("brisk-otter", step: 500)])
        #expect(try ReferenceReading.readings(of: "3") == [.run("3", step: nil)])
        #expect(try ReferenceReading.readings(of: "mnist@champion") == [.run("mnist@champion", step: nil), .modelAlias("mnist", alias: "champion")])
        #expect(try ReferenceReading.readings(of: "mnist:v2") == [.run("mnist:v2", step: nil), .modelVersion("mnist", version: 2)])
        #expect(try ReferenceReading.readings(of: "models:/mnist@champion") == [.modelAlias("mnist", alias: "champion")])
        #expect(try ReferenceReading.readings(of: "models:/mnist/3") == [.modelVersion("mnist", version: 3)])
        #expect(try ReferenceReading.readings(of: "models:/mnist/latest") == [.modelAlias("mnist", alias: "latest")])
        // A numeric "model" cannot be: 1@x only reads as a run name.
        #expect(try ReferenceReading.readings(of: "1@x") == [.run("1@x", step: nil)])
        for bad in ["", "3@", "@3", "a@b@c", "models:/", "models:/m", "models:/m/0", "models:/m@", "models:/m/x"] {
            #expect(throws: ReferenceSyntaxError.self, "\(bad)") { try ReferenceReading.readings(of: bad) }
        }
        #expect(!ReferenceReading.isAlias("latest") && !ReferenceReading.isAlias("1st") && ReferenceReading.isAlias("champion"))
        #expect(!ReferenceReading.isModelName("123") && !ReferenceReading.isModelName("a b") && ReferenceReading.isModelName("mnist-mlp.v2"))
    }
}

@Suite struct QuickParsingTests {
    /// The names the quick path looks commands up by are the names argument-parser gives them.
    @Test func quickNamesAreArgumentParsersNames() {
        for (name, type) in NNReg.commands {
            #expect(type._commandName == name)
        }
        #expect(NNReg.commands.count == NNReg.configuration.subcommands.count)
    }

    /// The quick path parses what the whole tree parses, and leaves help and errors to the tree.
    @Test func quickParsingAgreesWithTheWholeTree() throws {
        let quick = try #require(NNReg.parseQuickly(["export", "r@3", "-o", "x.onnx", "--format", "onnx"]) as? Export)
        let full = try #require(try NNReg.parseAsRoot(["export", "r@3", "-o", "x.onnx", "--format", "onnx"]) as? Export)
        #expect(quick.reference == full.reference && quick.output == full.output)
        #expect(NNReg.parseQuickly(["export", "--help"]) == nil)
        #expect(NNReg.parseQuickly(["export"]) == nil)
        #expect(NNReg.parseQuickly(["nonsense"]) == nil)
        let track = try #require(Track.quickRequest(["--db", "s.sqlite", "--name", "n", "--tag", "k=v", "--param", "lr=0.5",
                                                     "--no-flag-params", "--", "python3", "t.py", "--lr", "1"]))
        #expect(track.db == "s.sqlite" && track.request.name == "n" && track.request.tags == ["k": "v"])
        #expect(track.request.params == ["lr": .real(0.5)] && !track.request.readsFlagParams)
        #expect(track.request.command == ["python3", "t.py", "--lr", "1"])
        #expect(Track.quickRequest(["--bogus", "1", "--", "true"]) == nil)
        #expect(Track.quickRequest(["--metric-pattern", "(x", "--", "true"]) == nil)
    }
}
