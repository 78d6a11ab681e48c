import Foundation
import Testing

/// The model registry through the built binary: register, references, aliases, history, delete, gc.
@Suite(.serialized) struct RegistryEndToEndTests {
    @Test func aCheckpointBecomesAVersionThatEveryCommandTakes() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        #expect(try cli.run(["train", "--steps", "120", "--display-step", "40", "--checkpoint-every", "40", "--name", "base"]).status == 0)
        let register = try cli.run(["model", "register", "mnist-mlp", "base@80", "--alias", "champion", "--tag", "stage=dev",
                                    "--description", "early", "--json"])
        #expect(register.status == 0, "\(register.stderr)")
        #expect(register.object["version"] as? Int == 1 && register.object["step"] as? Int == 80)
        #expect(register.object["aliases"] as? [String] == ["champion"])
        #expect(try cli.run(["model", "register", "mnist-mlp", "base"]).stdout.contains("mnist-mlp:v2"))

        // Every spelling of a version reaches the same checkpoint.
        let direct = try cli.run(["eval", "base@80", "--json"]).object
        for reference in ["mnist-mlp@champion", "mnist-mlp:v1", "models:/mnist-mlp@champion", "models:/mnist-mlp/1"] {
            let result = try cli.run(["eval", reference, "--json"])
            #expect(result.status == 0, "\(reference): \(result.stderr)")
            #expect(result.object["step"] as? Int == 80 && result.object["accuracy"] as? Double == direct["accuracy"] as? Double, "\(reference)")
            #expect(result.object["model"] as? String == "mnist-mlp:v1")
        }
        #expect(try cli.run(["eval", "mnist-mlp@latest", "--json"]).object["step"] as? Int == 120)
        #expect(try cli.run(["predict", "mnist-mlp@champion", "--count", "2"]).stdout.contains("mnist-mlp:v1"))
        let compare = try cli.run(["compare", "base", "mnist-mlp@champion", "--json"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect((compare.json as? [[String: Any]])?.map { $0["model"] as? String } == [nil, "mnist-mlp:v1"])

        // A fork from a model version, linked to its run.
        let fork = try cli.run(["resume", "--fork", "mnist-mlp@champion", "--name", "tuned", "--steps", "160", "--json"])
        #expect(fork.status == 0, "\(fork.stderr)")
        let tuned = try cli.run(["show", "tuned", "--json"]).object
        #expect((tuned["parent"] as? [String: Any])?["step"] as? Int == 80)
        #expect(try cli.run(["resume", "mnist-mlp@champion"]).stderr.contains("--fork"))

        // show and model show give the lineage both ways.
        let versions = try #require(try cli.run(["show", "base", "--json"]).object["model_versions"] as? [[String: Any]])
        #expect(versions.map { $0["version"] as? Int } == [1, 2])
        let model = try cli.run(["model", "show", "mnist-mlp", "--json"]).object
        let entries = try #require(model["versions"] as? [[String: Any]])
        #expect(entries.compactMap { ($0["run"] as? [String: Any])?["name"] as? String } == ["base", "base"])
        #expect((entries.first?["run"] as? [String: Any])?["params"] as? [String: Any] != nil)
        #expect(try cli.run(["model", "list"]).stdout.contains("@champion→v1"))

        // Aliases move atomically; the history says who moved them and when.
        #expect(try cli.run(["model", "alias", "mnist-mlp", "champion", "2"]).stdout == "Moved mnist-mlp@champion from v1 to v2\n")
        #expect(try cli.run(["eval", "mnist-mlp@champion", "--json"]).object["step"] as? Int == 120)
        let history = try #require(try cli.run(["model", "history", "mnist-mlp", "--json"]).json as? [[String: Any]])
        #expect(history.map { $0["action"] as? String } == ["model_created", "version_registered", "alias_set", "version_registered", "alias_moved"])
        #expect(history.allSatisfy { ($0["user"] as? String)?.isEmpty == false && ($0["host"] as? String)?.isEmpty == false })

        // Deleting: refused while an alias points at a version, or while a version uses the run.
        let refused = try cli.run(["model", "delete", "mnist-mlp:v2"])
        #expect(refused.status == 1 && refused.stderr.contains("@champion") && refused.stderr.contains("--force"))
        let runRefused = try cli.run(["delete", "base"])
        #expect(runRefused.status == 1 && runRefused.stderr.contains("mnist-mlp:v1"), "\(runRefused.stderr)")
        #expect(try cli.run(["model", "delete", "mnist-mlp:v2", "--force"]).status == 0)
        #expect(try cli.run(["eval", "mnist-mlp:v2"]).stderr.contains("has no version 2; it has v1"))
        #expect(try cli.run(["model", "history", "mnist-mlp", "--json"]).stdout.contains("version_deleted"))
        #expect(try cli.run(["check"]).status == 0)
    }

    @Test func softDeleteRestoreAndGcKeepWhatIsNeeded() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        for name in ["keep", "drop"] {
            #expect(try cli.run(["train", "--steps", "100", "--display-step", "20", "--checkpoint-every", "20", "--name", name, "--predictions", "0"]).status == 0)
        }
        #expect(try cli.run(["model", "register", "m", "keep@40"]).status == 0)
        #expect(try cli.run(["delete", "drop"]).status == 0)
        #expect(try cli.run(["list", "--json"]).json.map { ($0 as? [[String: Any]])?.map { $0["name"] as? String } } == ["keep"])
        #expect((try cli.run(["list", "--deleted", "--json"]).json as? [Any])?.count == 2)
        #expect(try cli.run(["show", "drop"]).stdout.contains("deleted"))
        #expect(try cli.run(["restore", "drop"]).status == 0)
        #expect((try cli.run(["list", "--json"]).json as? [Any])?.count == 2)
        #expect(try cli.run(["delete", "drop"]).status == 0)

        let before = try cli.storeFingerprint()
        let dry = try cli.run(["gc", "--keep-last", "1", "--dry-run", "--json"])
        #expect(dry.status == 0 && dry.object["is_dry_run"] as? Bool == true, "\(dry.stderr)")
        #expect(try cli.storeFingerprint() == before)
        let gc = try cli.run(["gc", "--keep-last", "1", "--json"]).object
        #expect((gc["purged_runs"] as? [Int]) == [2])
        #expect((gc["file_bytes_after"] as? Int ?? .max) < (gc["file_bytes_before"] as? Int ?? 0))
        let checkpoints = try #require(try cli.run(["show", "keep", "--json"]).object["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.map { $0["step"] as? Int } == [40, 100])  // the version's and the latest
        #expect(try cli.run(["eval", "m:v1"]).status == 0)
        #expect(try cli.run(["show", "drop"]).status == 1)
        let check = try cli.run(["check"])
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test func badRegistryInputEndsInOneLineAndWritesNothing() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 50)
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "r", "--predictions", "0"]).status == 0)
        #expect(try cli.run(["model", "register", "m", "r", "--alias", "prod"]).status == 0)
        let before = try cli.storeFingerprint()
        let runtime: [[String]] = [
            ["model", "register", "m", "nope"], ["model", "register", "m", "r@7"], ["model", "show", "ghost"],
            ["model", "history", "ghost"], ["model", "alias", "m", "prod", "9"], ["model", "alias", "m", "staging", "--remove"],
            ["model", "delete", "ghost:v1"], ["model", "delete", "m:v1"], ["eval", "m@staging"], ["export", "m:v3", "-o", cli.directory + "/x.safetensors"],
            ["delete", "r"], ["restore", "ghost"],
        ]
        for arguments in runtime {
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        let usage: [[String]] = [
            ["model", "register", "123", "r"], ["model", "register", "m", "r", "--alias", "latest"], ["model", "register", "m", "r", "--alias", "9lives"],
            ["model", "alias", "m", "prod"], ["model", "delete", "m:vx"], ["gc", "--keep-last", "0"], ["export", "r", "-o", ""],
            ["import", "f", "--alias", "a"], ["resume", "r", "--seed", "3"],
        ]
        for arguments in usage {
            let result = try cli.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
        }
        #expect(try cli.storeFingerprint() == before)
        #expect(!FileManager.default.fileExists(atPath: cli.directory + "/x.safetensors"))
    }
}
