import Foundation
import Testing

/// `nnreg copy` through the built binary: runs trained by `nnreg train` copied into another store,
/// where every command reads, evaluates and resumes them as it would the originals.
@Suite(.serialized) struct CopyEndToEndTests {
    @Test func aCopiedRunEvaluatesResumesAndChecksLikeTheOriginal() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 100)
        let common = ["--display-step", "40", "--checkpoint-every", "80", "--seed", "3", "--json"]
        let train = try cli.run(["train", "--steps", "160", "--name", "original"] + common)
        #expect(train.status == 0, "\(train.stderr)")
        let accuracy = try #require(train.object["test_accuracy"] as? Double)
        let finalSHA256 = try #require(train.object["checkpoint_sha256"] as? String)
        let fork = try cli.run(["resume", "original@80", "--fork", "--name", "branch", "--steps", "120", "--json"])
        #expect(fork.status == 0, "\(fork.stderr)")
        #expect(try cli.run(["model", "register", "mnist", "original", "--alias", "champion"]).status == 0)

        let copyDB = cli.directory + "/copy.sqlite"
        let copy = try cli.run(["copy", cli.db, copyDB, "--json"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect((copy.object["copied"] as? [[String: Any]])?.map { $0["name"] as? String } == ["original", "branch"])
        #expect(copy.object["model_versions_copied"] as? [String] == ["mnist:v1"])
        #expect((copy.object["blob_bytes"] as? Int ?? 0) > 0)

        // show gives the same run: uid, checkpoints, evaluations, lineage.
        let original = try cli.run(["show", "original", "--json"]).object
        let copied = try cli.run(["show", "original", "--json", "--db", copyDB]).object
        #expect((copied["uid"] as? String)?.count == 32 && copied["uid"] as? String == original["uid"] as? String)
        func canonical(_ value: Any?) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys]), as: UTF8.self)
        }
        for field in ["status", "steps_done", "params", "tags", "checkpoints", "evaluations", "metrics", "created", "ended", "host"] {
            #expect(try canonical(copied[field]) == canonical(original[field]), "\(field)")
        }
        #expect((copied["checkpoints"] as? [[String: Any]])?.last?["sha256"] as? String == finalSHA256)
        let branch = try cli.run(["show", "branch", "--json", "--db", copyDB]).object
        #expect((branch["parent"] as? [String: Any])?["name"] as? String == "original")
        #expect((branch["parent"] as? [String: Any])?["step"] as? Int == 80)
        #expect(try cli.run(["check", "--db", copyDB]).status == 0)

        // Copying again copies nothing; the text says so.
        let again = try cli.run(["copy", cli.db, copyDB])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Already there: run 1 original") && again.stdout.contains("0 runs copied, 2 already there"))

        // eval on the copy: the same figure train reported, from the same verified weights.
        let eval = try cli.run(["eval", "mnist@champion", "--json", "--db", copyDB])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.object["accuracy"] as? Double == accuracy)
        #expect(eval.object["step"] as? Int == 160)

        // resume works on the copy, and ends where the original ends when resumed the same way.
        let resumedCopy = try cli.run(["resume", "original", "--steps", "240", "--json", "--db", copyDB])
        #expect(resumedCopy.status == 0, "\(resumedCopy.stderr)")
        let resumedOriginal = try cli.run(["resume", "original", "--steps", "240", "--json"])
        let resumedSHA256 = try #require(resumedOriginal.object["checkpoint_sha256"] as? String)
        #expect(resumedCopy.object["checkpoint_sha256"] as? String == resumedSHA256)
        #expect(resumedCopy.object["test_accuracy"] as? Double == resumedOriginal.object["test_accuracy"] as? Double)

        // Now both sides changed: a conflict, reported, not overwritten, exit 1 with one error line.
        let conflict = try cli.run(["copy", cli.db, copyDB])
        #expect(conflict.status == 1)
        #expect(conflict.stdout.contains("Conflict: run original (uid \(original["uid"] as? String ?? "?"))"), "\(conflict.stdout)")
        #expect(conflict.stdout.contains("Already there: run 2 branch"))
        let errors = conflict.stderr.split(separator: "\n")
        #expect(errors.count == 1 && errors[0].hasPrefix("Error: 1 conflict"), "\(conflict.stderr)")
        #expect(try cli.run(["show", "original", "--json", "--db", copyDB]).object["steps_done"] as? Int == 240)
    }

    @Test func badInputWritesNothing() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 50)
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "only"]).status == 0)
        let fresh = cli.directory + "/fresh.sqlite"

        let unknown = try cli.run(["copy", cli.db, fresh, "only", "nope"])
        #expect(unknown.status == 1 && unknown.stderr == "Error: no run 'nope' in \(cli.db); 'nnreg list' shows the runs there\n")
        #expect(!FileManager.default.fileExists(atPath: fresh))

        let missing = try cli.run(["copy", cli.directory + "/absent.sqlite", fresh])
        #expect(missing.status == 1 && missing.stderr.contains("no store at"))
        #expect(!FileManager.default.fileExists(atPath: fresh) && !FileManager.default.fileExists(atPath: cli.directory + "/absent.sqlite"))

        let same = try cli.run(["copy", cli.db, cli.directory + "/./runs.sqlite"])
        #expect(same.status == 64 && same.stderr.contains("same store"))

        let copied = try cli.run(["copy", cli.db, fresh, "only"])
        #expect(copied.status == 0 && copied.stdout.contains("\n1 run copied, 0 already there: 4 points, 1 checkpoints, "), "\(copied.stdout)")
        #expect(try cli.run(["list", "--db", fresh, "--json"]).json.map { ($0 as? [[String: Any]])?.count } == 1)
    }
}
