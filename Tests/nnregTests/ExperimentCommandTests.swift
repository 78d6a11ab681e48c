import Foundation
import Testing

/// `--experiment` on train, track and resume --fork, `nnreg experiment …`, `list --experiment`, and
/// run names that repeat, through the built binary.
@Suite(.serialized) struct ExperimentCommandTests {
    /// The names `list --json` prints, newest first.
    func names(_ cli: CommandLineHarness, _ arguments: [String]) throws -> [String] {
        let listed = try cli.run(["list", "--json"] + arguments)
        #expect(listed.status == 0, "\(listed.stderr)")
        return (listed.json as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// What a refused command must leave as it was: every experiment and every run.
    func state(_ cli: CommandLineHarness) throws -> String {
        try cli.run(["experiment", "list", "--all", "--json"]).stdout + cli.run(["list", "--deleted", "--json"]).stdout
    }

    /// A refusal: exit 1, one `Error:` line on stderr saying `words`, nothing on stdout, nothing written.
    func expectRefused(_ cli: CommandLineHarness, _ arguments: [String], saying words: String) throws {
        let before = try state(cli)
        let result = try cli.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(words), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try state(cli) == before, "\(arguments) changed the store")
    }

    @Test func runsJoinExperimentsThatTheCommandsList() throws {
        let cli = try CommandLineHarness()
        let trained = try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "a", "--experiment", "sweeps", "--json"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "b", "--json"]).status == 0)
        let tracked = try cli.run(["track", "--name", "t", "--experiment", "sweeps", "--", "sh", "-c", "echo 'step: 1, loss: 0.5'"])
        #expect(tracked.status == 0, "\(tracked.stderr)")
        // A fork stays in its parent's experiment unless told otherwise.
        #expect(try cli.run(["resume", "--fork", "a", "--steps", "60", "--name", "a-more", "--json"]).status == 0)
        let forked = try cli.run(["resume", "--fork", "a@40", "--steps", "60", "--name", "a-other", "--experiment", "other", "--json"])
        #expect(forked.status == 0, "\(forked.stderr)")

        let show = try cli.run(["show", "a", "--json"]).object
        #expect(show["experiment"] as? String == "sweeps" && show["experiment_id"] as? Int == 1)
        #expect(try cli.run(["show", "b", "--json"]).object["experiment"] as? String == "Default")
        #expect(try cli.run(["show", "a"]).stdout.split(separator: "\n").first?.contains("experiment sweeps") == true)

        #expect(try names(cli, ["--experiment", "sweeps"]) == ["a-more", "t", "a"])
        #expect(try names(cli, ["--experiment", "1"]) == ["a-more", "t", "a"])
        #expect(try names(cli, ["--experiment", "other"]) == ["a-other"])
        #expect(try names(cli, ["--experiment", "Default", "--where", "status = finished"]) == ["b"])
        let listed = try cli.run(["list", "--json", "--experiment", "other"]).json as? [[String: Any]]
        #expect(listed?.first?["experiment_id"] as? Int == 2)
        try expectRefused(cli, ["list", "--experiment", "nope"], saying: "No experiment 'nope'")

        let experiments = try cli.run(["experiment", "list", "--json"]).json as? [[String: Any]] ?? []
        #expect(experiments.map { $0["name"] as? String } == ["Default", "sweeps", "other"])
        #expect(experiments.map { $0["runs"] as? Int } == [1, 3, 1])
        #expect(experiments.allSatisfy { $0["state"] as? String == "active" })
        let table = try cli.run(["experiment", "list"]).stdout.split(separator: "\n")
        #expect(table.count == 4 && table[0].split(separator: " ") == ["ID", "NAME", "STATE", "RUNS", "CREATED"])
        #expect(table[2].split(separator: " ").prefix(4) == ["1", "sweeps", "active", "3"])
    }

    @Test func experimentsAreCreatedRenamedDeletedAndRestoredAndBadRequestsWriteNothing() throws {
        let cli = try CommandLineHarness()
        let created = try cli.run(["experiment", "create", "grid", "--tag", "team=core"])
        #expect(created.status == 0 && created.stdout == "Created experiment 1 grid\n", "\(created.stderr)")
        let entry = try cli.run(["experiment", "create", "spare", "--json"]).object
        #expect(entry["id"] as? Int == 2 && entry["state"] as? String == "active" && entry["runs"] as? Int == 0)
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "g", "--experiment", "grid"]).status == 0)

        try expectRefused(cli, ["experiment", "create", "grid"], saying: "already exists")
        try expectRefused(cli, ["experiment", "rename", "spare", "grid"], saying: "already exists")
        try expectRefused(cli, ["experiment", "rename", "nope", "other"], saying: "No experiment 'nope'")
        try expectRefused(cli, ["experiment", "delete", "Default"], saying: "cannot be deleted")
        try expectRefused(cli, ["experiment", "delete", "0"], saying: "cannot be deleted")
        try expectRefused(cli, ["experiment", "restore", "nope"], saying: "No experiment 'nope'")

        #expect(try cli.run(["experiment", "rename", "spare", "kept"]).stdout == "Renamed experiment 2 spare to kept\n")
        let deleted = try cli.run(["experiment", "delete", "grid"])
        #expect(deleted.status == 0 && deleted.stdout.contains("'nnreg experiment restore grid'"))
        // Its runs are hidden with it, and no run joins it until it is restored.
        #expect(try names(cli, []).isEmpty)
        #expect(try names(cli, ["--deleted"]) == ["g"])
        #expect(try names(cli, ["--experiment", "grid"]) == ["g"])
        try expectRefused(cli, ["train", "--steps", "40", "--name", "late", "--experiment", "grid"], saying: "is deleted")
        try expectRefused(cli, ["track", "--experiment", "grid", "--", "true"], saying: "is deleted")
        let lists = try cli.run(["experiment", "list", "--deleted", "--json"]).json as? [[String: Any]]
        #expect(lists?.map { $0["name"] as? String } == ["grid"] && lists?.first?["state"] as? String == "deleted")
        #expect((try cli.run(["experiment", "list", "--all", "--json"]).json as? [Any])?.count == 3)
        #expect(try cli.run(["experiment", "restore", "grid"]).stdout == "Restored experiment 1 grid\n")
        #expect(try names(cli, []) == ["g"])
        let usage = try cli.run(["experiment", "list", "--all", "--deleted"])
        #expect(usage.status == 64)
    }

    @Test func aNameTwoRunsShareIsRefusedWithTheirUIDsAndAUIDPrefixNamesOne() throws {
        let cli = try CommandLineHarness()
        for _ in 0..<2 {
            let trained = try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "twin", "--json"])
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        let uids = try (1...2).map { try #require(cli.run(["show", "\($0)", "--json"]).object["uid"] as? String) }
        #expect(uids[0] != uids[1])
        let refused = try cli.run(["show", "twin"])
        #expect(refused.status == 1 && refused.stdout.isEmpty)
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: 'twin' names 2 runs: ") && uids.allSatisfy { lines[0].contains($0) })
        #expect(try cli.run(["show", String(uids[1].prefix(8)), "--json"]).object["run_id"] as? Int == 2)
        #expect(try cli.run(["eval", uids[0], "--json"]).status == 0)
        #expect(try cli.run(["resume", "--fork", "twin", "--steps", "60"]).status == 1)
        #expect(try names(cli, []) == ["twin", "twin"])
    }
}
