import Foundation
import Testing

/// `nnreg track` on real programs it did not write for nnreg: the NumPy seed, shell loops, JSON
/// lines, failures, signals and kills. Every metric point, status and exit code is checked.
@Suite(.serialized) struct TrackTests {
    static let root = PythonPeer.packageRoot

    /// Runs nnreg in `directory` with raw stdout and stderr bytes.
    struct Raw {
        let status: Int32
        let stdout: Data
        let stderr: Data
        var text: String { String(decoding: stdout, as: UTF8.self) }
        var errors: String { String(decoding: stderr, as: UTF8.self) }
    }

    static func start(_ harness: CommandLineHarness, _ arguments: [String], in directory: String? = nil) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: harness.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["NNREG_DB": harness.db]) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? harness.directory)
        let prefix = harness.directory + "/raw-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: prefix + ".out", contents: nil)
        FileManager.default.createFile(atPath: prefix + ".err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: prefix + ".out")
        process.standardError = FileHandle(forWritingAtPath: prefix + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, prefix)
    }

    static func finish(_ process: Process, _ prefix: String) throws -> Raw {
        process.waitUntilExit()
        return Raw(status: process.terminationStatus, stdout: try Data(contentsOf: URL(fileURLWithPath: prefix + ".out")),
                   stderr: try Data(contentsOf: URL(fileURLWithPath: prefix + ".err")))
    }

    static func run(_ harness: CommandLineHarness, _ arguments: [String], in directory: String? = nil) throws -> Raw {
        let (process, prefix) = try start(harness, arguments, in: directory)
        return try finish(process, prefix)
    }

    /// The run's `show --json`.
    static func detail(_ harness: CommandLineHarness, _ run: String) throws -> [String: Any] {
        let shown = try harness.run(["show", run, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        return shown.object
    }

    /// Points of one metric as (step, value).
    static func points(_ detail: [String: Any], _ key: String) -> [[Double]] {
        (detail["metrics"] as? [String: Any])?[key] as? [[Double]] ?? []
    }

    static func command(_ detail: [String: Any]) -> [String: Any] { detail["command"] as? [String: Any] ?? [:] }

    @Test func theNumPySeedIsRecordedFaithfullyAndPassesThroughUnchanged() throws {
        let harness = try CommandLineHarness()
        let script = [PythonPeer.python, Self.root + "/scripts/numpy_seed.py", Self.root + "/data/mnist", "--steps", "200", "--learning-rate", "0.001"]
        let plain = Process()
        plain.executableURL = URL(fileURLWithPath: script[0])
        plain.arguments = Array(script.dropFirst())
        let pipe = Pipe()
        plain.standardOutput = pipe
        try plain.run()
        let untracked = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        plain.waitUntilExit()

        let tracked = try Self.run(harness, ["track", "--name", "numpy-seed", "--tag", "origin=numpy", "--"] + script, in: Self.root)
        #expect(tracked.status == 0, "\(tracked.errors)")
        #expect(tracked.stderr.isEmpty, "nnreg adds nothing to a non-terminal stderr")
        // Byte for byte the same output, but for the line that times the run.
        func stable(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("numpy.seconds") } }
        #expect(stable(tracked.text) == stable(untracked))
        #expect(stable(tracked.text).count == 5)  // steps 1, 100, 200, Test Accuracy, numpy.test_accuracy

        let detail = try Self.detail(harness, "numpy-seed")
        #expect(detail["status"] as? String == "finished")
        #expect(detail["steps_done"] as? Int == 200)
        // Every printed point, exactly as printed.
        var expected: [String: [[Double]]] = [:]
        for line in untracked.split(separator: "\n") where line.hasPrefix("step: ") {
            let fields = line.split(separator: ",").map { $0.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) } }
            let step = Double(fields[0][1])!
            for field in fields.dropFirst() { expected[field[0], default: []].append([step, Double(field[1])!]) }
        }
        #expect(expected["loss"]?.map { $0[0] } == [1, 100, 200])
        #expect(Self.points(detail, "loss") == expected["loss"])
        #expect(Self.points(detail, "accuracy") == expected["accuracy"])
        let testLine = untracked.split(separator: "\n").first { $0.hasPrefix("Test Accuracy: ") }!
        let printedTestAccuracy = Double(testLine.dropFirst("Test Accuracy: ".count))!
        #expect(Self.points(detail, "test_accuracy") == [[200, printedTestAccuracy]])
        let listed = try harness.run(["list", "--json"]).json as? [[String: Any]] ?? []
        #expect(listed.first { $0["name"] as? String == "numpy-seed" }?["test_accuracy"] as? Double == printedTestAccuracy,
                "list shows a tracked program's printed test accuracy")
        // Params from the script's own flags; the command line and the git state of the work tree.
        #expect(detail["params"] as? [String: Double] == ["steps": 200, "learning_rate": 0.001])
        #expect(Self.command(detail)["arguments"] as? [String] == script)
        #expect(Self.command(detail)["cwd"] as? String == Self.root)
        #expect(Self.command(detail)["exit_code"] as? Int == 0)
        let head = try gitHead(Self.root)
        #expect(Self.command(detail)["git_commit"] as? String == head)
        #expect(Self.command(detail)["git_dirty"] is Bool)
        // Its output is kept, and it compares with the runs nnreg trains itself.
        let logs = try harness.run(["logs", "numpy-seed"])
        #expect(logs.stdout == tracked.text)
        #expect(try harness.run(["train", "--steps", "200", "--name", "own", "--predictions", "0"]).status == 0)
        let compare = try harness.run(["compare", "numpy-seed", "own"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("numpy-seed") && compare.stdout.contains("own"))
    }

    func gitHead(_ directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory, "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aShellLoopJSONLinesAndAFailingExitCode() throws {
        let harness = try CommandLineHarness()
        let shell = try Self.run(harness, ["track", "--name", "loop", "--", "sh", "-c",
            "for v in 0.5 0.25 0.125; do echo \"loss=$v\"; done; echo 'to stderr' >&2; exit 3"])
        #expect(shell.status == 3)
        #expect(shell.text == "loss=0.5\nloss=0.25\nloss=0.125\n")
        #expect(shell.errors == "to stderr\n")
        let loop = try Self.detail(harness, "loop")
        #expect(loop["status"] as? String == "failed")
        #expect(Self.command(loop)["exit_code"] as? Int == 3)
        #expect(Self.points(loop, "loss") == [[0, 0.5], [1, 0.25], [2, 0.125]])
        #expect((loop["params"] as? [String: Any])?.isEmpty == true, "a shell's -c script is not a param")

        let json = try Self.run(harness, ["track", "--name", "jsonl", "--param", "lr=0.5", "--", PythonPeer.python, "-c", """
            import json
            for step in range(1, 4):
                print(json.dumps({"step": step * 10, "loss": 1 / step, "phase": "train", "extra": {"n": 1}}))
            print(json.dumps({"val_loss": 0.75}))
            """])
        #expect(json.status == 0, "\(json.errors)")
        let detail = try Self.detail(harness, "jsonl")
        #expect(detail["status"] as? String == "finished")
        #expect(Self.points(detail, "loss") == [[10, 1], [20, 0.5], [30, 1.0 / 3]])
        #expect(Self.points(detail, "val_loss") == [[30, 0.75]])
        #expect(Self.points(detail, "extra").isEmpty)
        #expect(detail["params"] as? [String: Double] == ["lr": 0.5])
        let check = try harness.run(["check"])
        #expect(check.status == 0, "tracked runs have no final checkpoint to miss: \(check.stdout)")
    }

    @Test func killedBySIGKILLInterruptedBySIGINTAndACrashedTracker() throws {
        let harness = try CommandLineHarness()
        let killed = try Self.run(harness, ["track", "--name", "killed", "--", "sh", "-c", "echo loss=1; kill -9 $$"])
        #expect(killed.status == 137)
        let killedDetail = try Self.detail(harness, "killed")
        #expect(killedDetail["status"] as? String == "failed")
        #expect(Self.command(killedDetail)["exit_code"] as? Int == 137)
        #expect(Self.points(killedDetail, "loss") == [[0, 1]])

        // SIGINT to nnreg reaches the command, which stops in its own way; the run is interrupted.
        let slow = """
            import signal, sys, time
            def stop(number, frame):
                print("stopping on signal", number, flush=True)
                sys.exit(42)
            signal.signal(signal.SIGINT, stop)
            for step in range(1000):
                print(f"step: {step}, loss: {1 / (step + 1)}", flush=True)
                time.sleep(0.05)
            """
        let (process, prefix) = try Self.start(harness, ["track", "--name", "stopped", "--", PythonPeer.python, "-c", slow])
        try harness.waitUntil(run: "stopped", reaches: 5)
        kill(process.processIdentifier, SIGINT)
        let stopped = try Self.finish(process, prefix)
        #expect(stopped.status == 42)
        #expect(stopped.text.hasSuffix("stopping on signal 2\n"))
        let detail = try Self.detail(harness, "stopped")
        #expect(detail["status"] as? String == "interrupted")
        let printed = stopped.text.split(separator: "\n").filter { $0.hasPrefix("step: ") }.count
        #expect(Self.points(detail, "loss").count == printed, "every printed point is kept")

        // nnreg itself killed: what it read up to a second before is committed, the run is crashed.
        let (tracker, _) = try Self.start(harness, ["track", "--name", "orphan", "--", PythonPeer.python, "-c", slow])
        try harness.waitUntil(run: "orphan", reaches: 20)
        kill(tracker.processIdentifier, SIGKILL)
        tracker.waitUntilExit()
        let orphan = try Self.detail(harness, "orphan")
        #expect(orphan["status"] as? String == "crashed")
        #expect(Self.points(orphan, "loss").count >= 20)
    }

    @Test func logsFollowAPatternAndTheRunsEnvironment() throws {
        let harness = try CommandLineHarness()
        let program = """
            import os, sys, time
            print("run", os.environ["NNREG_RUN_ID"], "of", os.path.basename(os.environ["NNREG_DB"]), flush=True)
            for epoch in range(1, 21):
                print(f"epoch {epoch} done | val {1 / epoch:.4f}", flush=True)
                print(f"progress {epoch * 5}%", file=sys.stderr, flush=True)
                time.sleep(0.05)
            """
        let (tracker, prefix) = try Self.start(harness, [
            "track", "--name", "follow", "--metric-pattern", #"epoch (?P<step>\d+) done \| val (?P<val_loss>[0-9.]+)"#, "--",
            PythonPeer.python, "-c", program,
        ])
        try harness.waitUntil(run: "follow", reaches: 1)
        let follower = try harness.start(["logs", "follow", "--follow"])
        let tracked = try Self.finish(tracker, prefix)
        #expect(tracked.status == 0, "\(tracked.errors)")
        let followed = harness.finish(follower)
        #expect(followed.status == 0)
        #expect(followed.stdout.hasPrefix("run 1 of runs.sqlite\n"))
        #expect(followed.stdout.contains("epoch 20 done | val 0.0500\n") && followed.stdout.contains("progress 100%\n"))
        #expect(followed.stdout.utf8.count == tracked.stdout.count + tracked.stderr.count, "followed to the end, nothing twice")
        let detail = try Self.detail(harness, "follow")
        #expect(Self.points(detail, "val_loss").map { $0[0] } == (1...20).map(Double.init))
        #expect(Self.points(detail, "val_loss").last?[1] == 0.05)
    }

    @Test func badInputIsOneLineAndRecordsNothing() throws {
        let harness = try CommandLineHarness()
        FileManager.default.createFile(atPath: harness.directory + "/not-executable.sh", contents: Data("echo hi".utf8))
        let cases: [([String], Int32, String)] = [
            (["track", "--", "no-such-command-xyz"], 127, "command 'no-such-command-xyz' not found"),
            (["track", "--", harness.directory + "/not-executable.sh"], 126, "not an executable file"),
            (["track", "--metric-pattern", "(unclosed", "--", "true"], 64, "is not a valid regular expression"),
            (["track", "--metric-pattern", "loss=[0-9]+", "--", "true"], 64, "has no named group for a metric"),
            (["track", "--artifacts", harness.directory + "/missing", "--", "true"], 1, "is not a directory"),
            (["track"], 64, "Give the command to run after '--'"),
        ]
        for (arguments, status, message) in cases {
            let result = try Self.run(harness, arguments)
            #expect(result.status == status, "\(arguments): \(result.errors)")
            #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
            #expect(result.errors.hasPrefix("Error: "), "\(arguments): \(result.errors)")
        }
        // Nothing was recorded (the store may not even exist).
        if FileManager.default.fileExists(atPath: harness.db) {
            #expect(try sqlite(harness.db, "SELECT count(*) FROM runs") == "0")
        }
    }

    @Test func artifactsLogsAndASafetensorsArtifactRegisteredAsAModel() throws {
        let harness = try CommandLineHarness()
        #expect(try harness.run(["train", "--steps", "100", "--name", "source", "--predictions", "0"]).status == 0)
        let exported = harness.directory + "/exported.safetensors"
        #expect(try harness.run(["export", "source", "-o", exported]).status == 0)
        let out = harness.directory + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // A program printing 5 MB of random bytes, leaving files behind.
        let noise = harness.directory + "/noise.bin"
        try Data((0..<5_000_000).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: noise))
        let result = try Self.run(harness, ["track", "--name", "tracked", "--artifacts", out, "--", "sh", "-c",
            "cat '\(noise)'; mkdir -p '\(out)/sub'; echo note > '\(out)/sub/note.txt'; cp '\(exported)' '\(out)/model.safetensors'"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.stdout == (try Data(contentsOf: URL(fileURLWithPath: noise))), "binary output passes through unchanged")
        let logs = try Self.run(harness, ["logs", "tracked"])
        #expect(logs.stdout == result.stdout, "and is stored unchanged")

        let listed = try harness.run(["artifacts", "tracked", "--json"])
        let artifacts = listed.json as? [[String: Any]] ?? []
        #expect(artifacts.map { $0["name"] as? String } == ["model.safetensors", "sub/note.txt"])
        let copy = harness.directory + "/copy.safetensors"
        #expect(try harness.run(["artifacts", "tracked", "--get", "model.safetensors", "-o", copy]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(contentsOf: URL(fileURLWithPath: exported)))
        let missing = try harness.run(["artifacts", "tracked", "--get", "nope", "-o", copy])
        #expect(missing.status == 1 && missing.stderr.contains("has no artifact 'nope'"))

        let registered = try harness.run(["model", "register", "mnist", "tracked", "--artifact", "model.safetensors", "--alias", "champion"])
        #expect(registered.status == 0, "\(registered.stderr)")
        let source = try harness.run(["eval", "source", "--json"])
        let fromArtifact = try harness.run(["eval", "mnist@champion", "--json"])
        #expect(fromArtifact.status == 0, "\(fromArtifact.stderr)")
        #expect(fromArtifact.object["accuracy"] as? Double == source.object["accuracy"] as? Double)
        let notWeights = try harness.run(["model", "register", "other", "tracked", "--artifact", "sub/note.txt"])
        #expect(notWeights.status == 1 && notWeights.stderr.contains("is not a valid safetensors file"))

        // gc keeps the artifacts' blobs.
        #expect(try harness.run(["gc"]).status == 0)
        #expect(try harness.run(["artifacts", "tracked", "--get", "sub/note.txt", "-o", "-"]).stdout == "note\n")
        let check = try harness.run(["check"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    @Test func onATerminalTheCommandStillSeesOne() throws {
        let harness = try CommandLineHarness()
        // util-linux `script` gives nnreg a terminal, as a person's shell would.
        let inner = "\(harness.binary) track --name tty -- sh -c 'test -t 1 && echo out-tty; test -t 2 && echo err-tty >&2; true'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", inner, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(["NNREG_DB": harness.db]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.contains("out-tty") && output.contains("err-tty"), "\(output)")
        let logs = try harness.run(["logs", "tty"])
        #expect(logs.stdout.contains("out-tty\n") && logs.stdout.contains("err-tty\n"))
    }
}
