import Foundation
import Testing

/// The MLflow API's guards over HTTP: a read-only server refuses writes with 403 and says how to
/// allow them; with a token file, a write without the token (or with another) is 401 and one with
/// it succeeds; malformed, hostile and oversized bodies are 400 or 413 with MLflow's error JSON and
/// write nothing; `--allow-writes` off loopback without a token is refused at start.
@Suite(.serialized) struct MLflowGuardTests {
    static let create = "/api/2.0/mlflow/experiments/create"

    static func errorCode(_ body: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error_code"] as? String
    }

    @Test func aReadOnlyServerRefusesWritesAndStillAnswersReads() throws {
        let cli = try CommandLineHarness()
        #expect(try cli.run(["experiment", "create", "seen"]).status == 0)
        let server = try ServeHarness(cli)
        let write = try server.fetch(Self.create, method: "POST", body: #"{"name": "x"}"#)
        #expect(write.status == 403)
        #expect(Self.errorCode(write.body) == "PERMISSION_DENIED")
        #expect(write.body.contains("--allow-writes"))
        let read = try server.fetch("/api/2.0/mlflow/experiments/get-by-name?experiment_name=seen")
        #expect(read.status == 200 && read.body.contains(#""name":"seen""#), "\(read)")
        let missing = try server.fetch("/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope")
        #expect(missing.status == 404 && Self.errorCode(missing.body) == "RESOURCE_DOES_NOT_EXIST")
        #expect(try cli.run(["experiment", "list", "--json"]).stdout.contains("\"x\"") == false)
    }

    @Test func writesNeedTheTokenWhenOneIsSet() throws {
        let cli = try CommandLineHarness()
        let tokenFile = cli.directory + "/token"
        try "s3cret-token-0123456789\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let server = try ServeHarness(cli, arguments: ["--allow-writes", "--token-file", tokenFile])
        let none = try server.fetch(Self.create, method: "POST", body: #"{"name": "a"}"#)
        #expect(none.status == 401 && Self.errorCode(none.body) == "UNAUTHENTICATED", "\(none)")
        let wrong = try server.fetch(Self.create, method: "POST", body: #"{"name": "a"}"#, headers: ["Authorization: Bearer s3cret-token-0123456780"])
        #expect(wrong.status == 401)
        let right = try server.fetch(Self.create, method: "POST", body: #"{"name": "a"}"#, headers: ["Authorization: Bearer s3cret-token-0123456789"])
        #expect(right.status == 200 && right.body.contains("experiment_id"), "\(right)")
        let listed = try cli.run(["experiment", "list", "--json"]).stdout
        #expect(listed.contains("\"a\""))
    }

    @Test func badBodiesAreRefusedAndWriteNothing() throws {
        let cli = try CommandLineHarness()
        let server = try ServeHarness(cli, arguments: ["--allow-writes"])
        let created = try server.fetch("/api/2.0/mlflow/runs/create", method: "POST", body: #"{"experiment_id": "0"}"#)
        let runID = try #require(created.body.range(of: #"[0-9a-f]{32}"#, options: .regularExpression).map { String(created.body[$0]) })
        for body in [#"{"name": "#, "[1, 2]", #"{"name": "\ud800"}"#, String(repeating: "[", count: 10_000), "{\"name\": \"a\u{01}\"}"] {
            let answer = try server.fetch(Self.create, method: "POST", body: body)
            #expect(answer.status == 400 && Self.errorCode(answer.body) == "INVALID_PARAMETER_VALUE", "\(body.prefix(30)): \(answer)")
        }
        // A batch with one bad entry writes none of it.
        let batch = #"{"run_id": "\#(runID)", "params": [{"key": "a", "value": "1"}], "metrics": [{"key": "m", "value": 1, "timestamp": 0, "step": 0}, {"key": "n", "value": "x", "timestamp": 0}]}"#
        let refused = try server.fetch("/api/2.0/mlflow/runs/log-batch", method: "POST", body: batch)
        #expect(refused.status == 400, "\(refused)")
        let run = try cli.run(["show", runID, "--json"]).object
        #expect((run["params"] as? [String: Any] ?? [:]).isEmpty && (run["metrics"] as? [String: Any] ?? [:]).isEmpty, "\(run)")
        // Over the size limit: 413 before parsing.
        let big = cli.directory + "/big.json"
        try Data(repeating: UInt8(ascii: " "), count: 33 * 1_024 * 1_024).write(to: URL(fileURLWithPath: big))
        let tooLarge = try server.fetch(Self.create, method: "POST", body: "@" + big)
        #expect(tooLarge.status == 413, "\(tooLarge.status)")
        // A param keeps its first value.
        _ = try server.fetch("/api/2.0/mlflow/runs/log-parameter", method: "POST", body: #"{"run_id": "\#(runID)", "key": "lr", "value": "0.1"}"#)
        let changed = try server.fetch("/api/2.0/mlflow/runs/log-parameter", method: "POST", body: #"{"run_id": "\#(runID)", "key": "lr", "value": "0.2"}"#)
        #expect(changed.status == 400 && changed.body.contains("Changing param values is not allowed"), "\(changed)")
        let unknown = try server.fetch("/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef")
        #expect(unknown.status == 404 && Self.errorCode(unknown.body) == "RESOURCE_DOES_NOT_EXIST")
    }

    /// MLflow's calls are answered in the connection's pipeline, the rest by the router (a path with
    /// a percent escape among them). Requests sent back to back on one connection get their answers
    /// in order, whoever makes them, each with the server's security headers, and the router's
    /// answer to an escaped path is the pipeline's to the plain one.
    @Test func pipelinedCallsAreAnsweredInOrderWhoeverAnswersThem() throws {
        let cli = try CommandLineHarness()
        let server = try ServeHarness(cli, arguments: ["--allow-writes"])
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        let requests: [[Any]] = [
            ["POST", "/api/2.0/mlflow/runs/create", #"{"experiment_id": "0", "run_name": "piped"}"#],
            ["GET", "/", NSNull()],
            ["GET", "/models", NSNull()],  // router after router: held until the first is answered
            ["GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", NSNull()],
            ["GET", "/api/2.0/mlflow/logged-models/m%2Dabc", NSNull()],
            ["GET", "/api/2.0/mlflow/logged-models/m-abc", NSNull()],
            ["POST", "/api/2.0/mlflow/runs/search", #"{"experiment_ids": ["0"]}"#],
        ]
        let sent = String(decoding: try JSONSerialization.data(withJSONObject: requests), as: UTF8.self)
        let answers = try #require(try PythonPeer.run("http_pipelined.py", ["127.0.0.1", port, sent])["answers"] as? [[String: Any]])
        #expect(answers.map { $0["status"] as? Int } == [200, 200, 200, 200, 404, 404, 200])
        let bodies = answers.map { $0["body"] as? String ?? "" }
        #expect(bodies[0].contains(#""run_name":"piped""#), "\(bodies[0])")
        #expect(bodies[1].contains("<html") && bodies[2].contains("<html") && bodies[3].contains(#""name":"Default""#))
        #expect(bodies[4] == bodies[5] && bodies[4].contains("m-abc") && Self.errorCode(bodies[4]) == "RESOURCE_DOES_NOT_EXIST", "\(bodies[4]) vs \(bodies[5])")
        #expect(bodies[6].contains(#""run_name":"piped""#), "\(bodies[6])")
        for answer in answers {
            let headers = answer["headers"] as? [String: String] ?? [:]
            #expect(headers["x-content-type-options"] == "nosniff" && headers["content-security-policy"] != nil && headers["cache-control"] == "no-store",
                    "\(headers)")
        }
    }

    @Test func writesOffLoopbackNeedATokenFile() throws {
        let cli = try CommandLineHarness()
        let refused = try cli.run(["serve", "--allow-writes", "--host", "0.0.0.0", "--port", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--token-file"), "\(refused.stderr)")
    }
}
