import NNRegTracking
import ProcessTracker
import Testing

@Suite struct FlagParamsTests {
    @Test func flagsBecomeTypedParams() {
        let params = FlagParams.params(in: [
            "train.py", "--learning-rate", "0.01", "--lr=3e-4", "-n", "5", "--name", "run one", "--verbose",
            "--offset", "-2", "--dry-run", "--", "--ignored", "1",
        ])
        #expect(params == [
            "learning_rate": .real(0.01), "lr": .real(0.0003), "n": .int(5), "name": .text("run one"),
            "verbose": .text("true"), "offset": .int(-2), "dry_run": .text("true"),
        ])
    }

    @Test func interpretersFlagsAndScriptsAreSkipped() {
        #expect(FlagParams.params(inCommand: ["python3", "-u", "train.py", "--lr", "0.1"]) == ["lr": .real(0.1)])
        #expect(FlagParams.params(inCommand: ["/usr/bin/python3", "-m", "pkg.train", "--epochs=3"]) == ["epochs": .int(3)])
        #expect(FlagParams.params(inCommand: ["sh", "-c", "echo --x 1"]) == [:])
        #expect(FlagParams.params(inCommand: ["./train", "--config", "a.yaml"]) == ["config": .text("a.yaml")])
    }

    @Test func typedValues() {
        #expect(FlagParams.typed("42") == .int(42))
        #expect(FlagParams.typed("1.5") == .real(1.5))
        #expect(FlagParams.typed("inf") == .text("inf"))
        #expect(FlagParams.typed("abc") == .text("abc"))
    }
}
