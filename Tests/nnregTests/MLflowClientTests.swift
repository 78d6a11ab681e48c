import Foundation
import TestSupport
import Testing

/// The stock MLflow client (`mlflow-skinny`, pinned in `make venv`) against `nnreg serve
/// --allow-writes`, on each store backend: scripts/peers/mlflow_workflow.py makes every tracking,
/// artifact and registry call a training script makes, down to `log_model` and
/// `load_model("models:/NAME@ALIAS")`, and mlflow_writers.py has eight client processes log at
/// once. Both scripts were checked first against MLflow's own server. Then nnreg's CLI, on the same
/// store, must see what the client logged, and the client what `nnreg model` registered.
/// A missing client fails the test with the command that installs it; it never skips.
/// Not serialized: each test has a store and servers of its own, and one after another these were the
/// test run's longest path (8.9 of its 9.2 minutes on a 2-core Zen 3, with a core idle a third of the time).
@Suite struct MLflowClientTests {
    /// The bulk section's history size: enough for paging to matter, small enough for a test run
    /// (the script's default of 100 000 is for benchmarks).
    static let bulkPoints = 20_000
    @Test(arguments: StoreBackend.available) func theClientsWholeWorkflowLandsInTheStore(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(backend: backend)
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let summary = try PythonPeer.run("mlflow_workflow.py", [server.url, "--points", "\(Self.bulkPoints)"])
        // MLflow's own server gives ±inf back as ±1.7976931348623157e308 and -0.0 as 0.0 (the script
        // accepts that from the reference); nnreg's store keeps any float, so here both are exact.
        #expect(summary["infinities"] as? String == "exact", "\(summary)")
        #expect(summary["negative_zero"] as? String == "exact", "\(summary)")

        let trainingRun = try #require(summary["training_run"] as? String, "\(summary)")
        let shown = try cli.run(["show", trainingRun, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let run = shown.object
        #expect(run["uid"] as? String == trainingRun)
        #expect(run["name"] as? String == "train")
        #expect(run["status"] as? String == "finished")
        let params = (run["params"] as? [String: Any] ?? [:]).mapValues(Self.text)
        #expect(params == ["lr": "0.01", "batch_size": "32", "optimizer": "sgd", "layers": "784-128-10", "from_batch": "yes"])
        let tags = run["tags"] as? [String: String] ?? [:]
        #expect(tags["phase"] == "dev" && tags["team"] == "vision" && tags["temporary"] == nil, "\(tags)")
        let metrics = run["metrics"] as? [String: [[Any]]] ?? [:]
        let loss = metrics["loss"] ?? []
        #expect(loss.map { Self.number($0.first) } == (0..<10).map(Double.init), "\(loss)")
        #expect(Self.close(loss.map { Self.number($0.last) }, (0..<10).map { 1 / Double($0 + 1) }), "\(loss)")
        let noStep = metrics["nostep"] ?? []
        #expect(noStep.count == 3 && noStep.allSatisfy { Self.number($0.first) == 0 }, "\(noStep)")
        #expect(Set(noStep.compactMap { Self.number($0.last) }) == [1, 2, 3], "\(noStep)")
        #expect((metrics["special"] ?? []).map { Self.text($0.last) } == ["nan", "inf", "-inf"], "\(metrics["special"] ?? [])")

        let bulkRun = try #require(summary["bulk_run"] as? String, "\(summary)")
        let bulk = try cli.run(["show", bulkRun, "--json"])
        let bulkPoints = (bulk.object["metrics"] as? [String: [[Any]]])?["bulk"] ?? []
        #expect(bulkPoints.count == Self.bulkPoints, "\(bulk.stderr)")
        #expect(bulkPoints.last.map { Self.number($0.first) } == Double(Self.bulkPoints - 1))

        let list = try cli.run(["list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let names = (list.json as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.filter { $0 == "same-name" }.count == 2, "\(names)")
        #expect(Set((0..<7).map { "s-\($0)" }).isSubset(of: names), "\(names)")
        #expect(names.contains("train") && names.contains("bulk"), "\(names)")

        // The model log_model registered is a version of nnreg's registry, with its source and alias.
        let model = try #require((summary["model"] as? [String: Any])?["name"] as? String, "\(summary)")
        let modelID = try #require((summary["model"] as? [String: Any])?["model_id"] as? String)
        let shownModel = try cli.run(["model", "show", model, "--json"])
        #expect(shownModel.status == 0, "\(shownModel.stderr)")
        let versions = shownModel.object["versions"] as? [[String: Any]] ?? []
        let version = versions.first?["version"] as? [String: Any] ?? [:]
        #expect(versions.count == 1 && version["source"] as? String == "models:/\(modelID)", "\(shownModel.stdout)")
        #expect(version["aliases"] as? [String] == ["prod"], "\(shownModel.stdout)")
        let history = try cli.run(["model", "history", model])
        #expect(history.stdout.contains("registered v1 from source models:/\(modelID)") && history.stdout.contains("set @prod → v1"),
                "\(history.stdout)")
        // It is no checkpoint: commands that need one say so in one line.
        let export = try cli.run(["export", "\(model)@prod", "--output", cli.directory + "/m.safetensors"])
        #expect(export.status != 0 && export.stderr.contains("registered through the MLflow API"), "\(export.stderr)")
        try stop(server)
    }

    @Test(arguments: StoreBackend.available) func versionsAndAliasesOfNnregModelAreTheClients(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100, backend: backend)
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--checkpoint-every", "20", "--name", "base"]).status == 0)
        #expect(try cli.run(["model", "register", "digits", "base@20", "--alias", "champion", "--tag", "stage=dev"]).status == 0)
        #expect(try cli.run(["model", "register", "digits", "base@40"]).status == 0)
        let uid = try #require(try cli.run(["show", "base", "--json"]).object["uid"] as? String)
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let seen = try PythonPeer.run("mlflow_registry_read.py", [server.url, "digits", "--alias", "challenger", "--to", "2"])
        #expect(seen["aliases"] as? [String: String] == ["champion": "1", "challenger": "2"], "\(seen)")
        #expect(seen["by_alias"] as? [String: String] == ["champion": "1", "challenger": "2"], "\(seen)")
        let versions = seen["versions"] as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? String } == ["1", "2"], "\(seen)")
        #expect(versions.allSatisfy { $0["run_id"] as? String == uid && $0["status"] as? String == "READY" }, "\(seen)")
        #expect(versions.first?["source"] as? String == "nnreg:/runs/\(uid)/checkpoints/20", "\(seen)")
        #expect(versions.first?["tags"] as? [String: String] == ["stage": "dev"], "\(seen)")
        // The alias the client moved is nnreg's, with its history entry.
        let eval = try cli.run(["eval", "digits@challenger", "--json"])
        #expect(eval.status == 0 && eval.object["step"] as? Int == 40, "\(eval.stderr)")
        #expect(try cli.run(["model", "history", "digits"]).stdout.contains("set @challenger → v2"))
        try stop(server)
    }

    @Test(arguments: StoreBackend.available) func eightClientsLoggingAtOnceLoseNoPoint(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(backend: backend)
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let processes = 8, points = 500
        let summary = try PythonPeer.run("mlflow_writers.py", [server.url, "--processes", "\(processes)", "--points", "\(points)"])
        #expect(summary["points"] as? Int == processes * points, "\(summary)")
        let experiment = try #require(summary["experiment_id"] as? String, "\(summary)")
        let list = try cli.run(["list", "--experiment", experiment, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let runs = list.json as? [[String: Any]] ?? []
        #expect(runs.compactMap { $0["name"] as? String }.sorted() == (0..<processes).map { "writer-\($0)" }, "\(list.stdout)")
        #expect(runs.allSatisfy { $0["status"] as? String == "finished" }, "\(list.stdout)")
        for writer in 0..<processes {
            let shown = try cli.run(["show", "writer-\(writer)", "--json"])
            let history = (shown.object["metrics"] as? [String: [[Any]]])?["x"] ?? []
            #expect(history.map { Self.number($0.first) } == (0..<points).map(Double.init), "writer-\(writer): \(shown.stderr)")
            #expect(Self.close(history.map { Self.number($0.last) }, (0..<points).map { Double(writer) + Double($0) / 7 }),
                    "writer-\(writer)")
        }
        try stop(server)
    }

    /// A 2 GB artifact up and down through the proxy with the stock client: streamed both ways (the
    /// server's peak memory stays far below the file's size), content-addressed and hash-checked,
    /// and `gc` frees it once its run is deleted.
    @Test func aTwoGigabyteArtifactStreamsThroughTheProxyInBoundedMemory() throws {
        let cli = try CommandLineHarness()
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let megabytes = 2_048
        let summary = try PythonPeer.run("mlflow_big_artifact.py", [server.url, "--size-mb", "\(megabytes)"])
        let peak = try Self.peakMemoryMB(of: server.process.processIdentifier)
        #expect(peak < 256, "nnreg serve peaked at \(peak) MB for a \(megabytes) MB artifact")
        let run = try #require(summary["run_id"] as? String, "\(summary)")
        try stop(server)
        let listed = try cli.run(["artifacts", run, "--json"])
        let artifact = (listed.json as? [[String: Any]])?.first ?? [:]
        #expect(artifact["size"] as? Int == megabytes << 20 && artifact["sha256"] as? String == summary["sha256"] as? String,
                "\(listed.stdout) \(listed.stderr)")
        let check = try cli.run(["check", "--json"])
        #expect(check.status == 0 && (check.object["problems"] as? [Any])?.isEmpty == true, "\(check.stdout)")
        #expect(try cli.run(["delete", run]).status == 0)
        let gc = try cli.run(["gc", "--json"])
        #expect(gc.object["blob_bytes"] as? Int == megabytes << 20, "\(gc.stdout)")
    }

    /// The highest resident memory of a process so far (VmHWM), in MB.
    static func peakMemoryMB(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1_024
    }

    /// A team's central tracker: two `nnreg serve --allow-writes` on one PostgreSQL database, four
    /// client processes on each, and every run and point of both in the store, read through either.
    @Test(.enabled(if: StoreBackend.available.contains(.postgresql)))
    func twoServersOnOnePostgreSQLDatabaseLoseNothing() throws {
        let cli = try CommandLineHarness(backend: .postgresql)
        let first = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let second = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let processes = 8, points = 400
        let summary = try PythonPeer.run("mlflow_writers.py", [first.url, second.url, "--processes", "\(processes)", "--points", "\(points)"])
        #expect(summary["points"] as? Int == processes * points, "\(summary)")
        let experiment = try #require(summary["experiment_id"] as? String, "\(summary)")
        // The second server sees what clients of the first logged, and the CLI sees all of it.
        let again = try PythonPeer.run("mlflow_writers.py", [second.url, first.url, "--processes", "2", "--points", "50"])
        #expect(again["points"] as? Int == 100, "\(again)")
        let list = try cli.run(["list", "--experiment", experiment, "--json"])
        let runs = list.json as? [[String: Any]] ?? []
        #expect(runs.count == processes && runs.allSatisfy { $0["status"] as? String == "finished" }, "\(list.stdout)")
        for run in runs {
            let id = try #require(run["run_id"] as? Int, "\(run)")
            let history = (try cli.run(["show", "\(id)", "--json"]).object["metrics"] as? [String: [[Any]]])?["x"] ?? []
            #expect(history.count == points, "run \(id): \(history.count) points")
        }
        try stop(first)
        try stop(second)
    }

    /// SIGTERM, as a service manager stops it: the server must end cleanly.
    private func stop(_ server: ServeHarness) throws {
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0,
                "nnreg serve after SIGTERM: \(server.process.terminationReason) \(server.process.terminationStatus)")
    }

    /// A JSON scalar as text: params come back as strings or numbers depending on how they were kept.
    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// Equal within a few units in the last place: Foundation's JSON reader on Linux, which reads
    /// `nnreg show --json` here, rounds some doubles by one unit (the client's own checks in the
    /// Python scripts are bit for bit).
    static func close(_ got: [Double?], _ expected: [Double]) -> Bool {
        got.count == expected.count && zip(got, expected).allSatisfy { pair in
            guard let value = pair.0 else { return false }
            return abs(value - pair.1) <= 4 * pair.1.ulp
        }
    }
}
