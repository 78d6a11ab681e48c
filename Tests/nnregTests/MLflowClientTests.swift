import Foundation
import TestSupport
import Testing

/// The stock MLflow client (`mlflow-skinny`, pinned in `make venv`) against `nnreg serve
/// --allow-writes`, on each store backend: scripts/peers/mlflow_workflow.py makes every tracking,
/// and artifact call a training script makes (its registry and log_model sections wait for the API's
/// registry), and mlflow_writers.py has eight client processes log at once. Both scripts were checked first
/// against MLflow's own server. Then nnreg's CLI, on the same store, must see what the client logged.
/// A missing client fails the test with the command that installs it; it never skips.
@Suite(.serialized) struct MLflowClientTests {
    /// The bulk section's history size: enough for paging to matter, small enough for a test run
    /// (the script's default of 100 000 is for benchmarks).
    static let bulkPoints = 20_000
    /// The script's sections nnreg answers; `registry` and `model` (the registry and MLflow 3's
    /// logged models through the API) are not served yet (README: "Not yet").
    static let sections = "experiments,training,batch,inputs,artifacts,runs,search,bulk,delete"

    @Test(arguments: StoreBackend.available) func theClientsWholeWorkflowLandsInTheStore(backend: StoreBackend) throws {
        let cli = try CommandLineHarness(backend: backend)
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--host", "127.0.0.1"])
        let summary = try PythonPeer.run("mlflow_workflow.py", [server.url, "--points", "\(Self.bulkPoints)", "--only", Self.sections])
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
