import Foundation
import TestSupport
import Testing

@testable import Store

/// Every command on a PostgreSQL store, given as `--db postgresql://…` or `NNREG_DB`, and the
/// password never shown, logged or stored. Runs against the server `make test` starts.
@Suite(.serialized, .enabled(if: StoreBackend.available.contains(.postgresql)))
struct PostgresCommandTests {
    static let tiny = ["--steps", "200", "--display-step", "50", "--checkpoint-every", "100", "--hidden1", "16",
                       "--hidden2", "16", "--batch-size", "32", "--predictions", "0"]

    @Test func everyCommandWorksOnAServerStore() throws {
        let cli = try CommandLineHarness(backend: .postgresql)
        func ok(_ arguments: [String], _ what: String = "") throws -> CommandLineHarness.Result {
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        let trained = try ok(["train", "--name", "a", "--seed", "1", "--json"] + Self.tiny)
        _ = try ok(["train", "--name", "b", "--seed", "2", "--tag", "team=x"] + Self.tiny)
        #expect(trained.object["status"] as? String == "finished")
        let list = try ok(["list", "--where", "steps_done = 200", "--sort", "name", "--json"])
        #expect((list.json as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["a", "b"])
        let show = try ok(["show", "a", "--json"]).object
        #expect((show["checkpoints"] as? [[String: Any]])?.count == 2)
        #expect((show["checkpoints"] as? [[String: Any]])?.last?["sha256"] as? String
                == trained.object["checkpoint_sha256"] as? String)
        #expect(try ok(["compare", "a", "b"]).stdout.contains("seed"))
        let eval = try ok(["eval", "a", "--json"]).object
        #expect(eval["accuracy"] as? Double == trained.object["test_accuracy"] as? Double)
        _ = try ok(["predict", "a", "--index", "3"])
        _ = try ok(["resume", "a", "--steps", "300"])
        _ = try ok(["resume", "a@100", "--fork", "--name", "a-fork", "--steps", "200"])
        _ = try ok(["model", "register", "mnist", "a", "--alias", "champion"])
        #expect(try ok(["model", "resolve", "mnist@champion"]).stdout.contains("mnist"))
        _ = try ok(["model", "list"])
        _ = try ok(["model", "history", "mnist"])
        _ = try ok(["export", "mnist@champion", "-o", cli.directory + "/m.safetensors"])
        _ = try ok(["delete", "b"])
        _ = try ok(["restore", "b"])
        _ = try ok(["track", "--name", "shell", "--", "sh", "-c", "for i in 1 2 3; do echo \"step: $i, loss: 0.$i\"; done"])
        #expect(try ok(["logs", "shell"]).stdout.contains("step: 3, loss: 0.3"))
        _ = try ok(["artifacts", "shell"])
        _ = try ok(["report", "a", "b", "-o", cli.directory + "/report.html"])
        do {
            let server = try ServeHarness(cli)
            let runs = try server.fetch("/api/runs")
            #expect(runs.status == 200 && runs.body.contains("\"a-fork\""), "\(runs)")
            #expect(try server.fetch("/runs/1").status == 200)
            #expect(try server.fetch("/models/mnist").status == 200)
        }
        _ = try ok(["gc", "--keep-last", "1"])
        let check = try ok(["check", "--json"]).object
        #expect(check["problems"] as? [Any] == nil || (check["problems"] as? [Any])?.isEmpty == true)
        // Down to a file and back up to another database: the same runs, nothing new the second time.
        let file = cli.directory + "/copy.sqlite"
        _ = try ok(["copy", cli.db, file])
        #expect(try Store(path: file).listRuns().count == 4)
        try PostgresTestServer.withDatabase { other in
            _ = try ok(["copy", file, other])
            let again = try ok(["copy", file, other, "--json"]).object
            #expect((again["copied_runs"] as? Int ?? again["copied"] as? Int ?? 0) == 0, "\(again)")
            #expect(try Store(path: other).listRuns().map(\.name).sorted() == ["a", "a-fork", "b", "shell"])
        }
    }

    @Test func thePasswordIsNeverPrintedStoredOrPassedOn() throws {
        let cli = try CommandLineHarness(backend: .postgresql)
        let password = try #require(ProcessInfo.processInfo.environment["PGPASSWORD"])
        let withPassword = cli.db.replacingOccurrences(of: "://nnreg@", with: "://nnreg:\(password)@")
        let environment = ["NNREG_DB": withPassword, "PGPASSWORD": ""]
        var outputs: [String] = []
        for arguments in [
            ["train", "--name", "a"] + Self.tiny, ["list"], ["show", "a", "--json"], ["check"],
            ["track", "--name", "env", "--", "sh", "-c", "echo \"$NNREG_DB\""], ["logs", "env"],
        ] {
            let result = try cli.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            outputs += [result.stdout, result.stderr]
        }
        // The tracked command sees the store's URL without the password.
        #expect(outputs.contains { $0.contains(cli.db) })
        // Errors that name the store do not show it either: a wrong password, a missing database.
        let wrong = try cli.run(["list"], environment: ["NNREG_DB": withPassword.replacingOccurrences(of: password, with: password + "x")])
        #expect(wrong.status == 1 && wrong.stderr.contains("password"), "\(wrong.stderr)")
        let missing = try cli.run(["list"], environment: ["NNREG_DB": withPassword + "_missing"])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
        outputs += [wrong.stdout, wrong.stderr, missing.stdout, missing.stderr]
        for output in outputs { #expect(!output.contains(password)) }
        // Nor is it stored anywhere in the store.
        let store = try Store(path: cli.db)
        for table in ["runs", "params", "tags", "run_output", "model_history"] {
            let rows = try store.database.makeStatement(sql: "SELECT * FROM \(table)")
            while try rows.step() {
                for column in 0..<rows.columnCount where rows.columnType(at: column) == ColumnType.text {
                    #expect(!rows.string(at: column).contains(password), "\(table)")
                }
            }
        }
        // A password file the owner alone can read serves as well (libpq's ~/.pgpass).
        let passfile = cli.directory + "/pgpass"
        try "127.0.0.1:*:*:nnreg:\(password)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        chmod(passfile, 0o600)
        let viaFile = try cli.run(["list"], environment: ["PGPASSWORD": "", "PGPASSFILE": passfile])
        #expect(viaFile.status == 0, "\(viaFile.stderr)")
    }
}
