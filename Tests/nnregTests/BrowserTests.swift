import Foundation
import Testing

/// The pages in a real browser: Debian's headless Chromium, driven by selenium through
/// scripts/peers/browser_check.py, against a live `nnreg serve` on a store made by real training.
/// Never skipped: without Chromium or the virtual environment the tests fail and say what to install.
@Suite(.serialized) struct BrowserTests {
    @Test func everyPageLoadsCleanlyAndHostileTextStaysText() throws {
        let cli = try CommandLineHarness(trainCount: 800, testCount: 100)
        for (name, seed) in [("alpha", "1"), ("beta", "2"), ("<script>alert(1)</script>", "3")] {
            #expect(try cli.run(["train", "--steps", "150", "--display-step", "10", "--checkpoint-every", "50", "--seed", seed,
                                 "--name", name, "--tag", #"note="quoted" & <b>"#, "--predictions", "0"]).status == 0)
        }
        #expect(try cli.run(["model", "register", "digits", "alpha", "--alias", "champion"]).status == 0)
        #expect(try cli.run(["eval", "alpha@50"]).status == 0)
        // Run 4: a program nnreg tracked, whose output carries a script and terminal colours.
        #expect(try cli.run(["track", "--name", "tracked", "--", "sh", "-c",
            #"echo '<script>alert(2)</script>'; printf '\033[31mred\033[0m\n'; for i in 1 2 3; do echo "step: $i, loss: 0.$i"; done"#]).status == 0)
        let report = cli.directory + "/report.html"
        let written = try cli.run(["report", "alpha", "beta", "digits@champion", "-o", report])
        #expect(written.status == 0, "\(written.stderr)")
        let server = try ServeHarness(cli)
        let pages = ["/", "/runs/1", "/compare?run=1&run=2&run=3", "/models", "/models/digits", "/runs/4"]
        let result = try PythonPeer.run("browser_check.py", [server.url, "--pages"] + pages + [
            "--hostile", "<script>alert(1)</script>", "--report", report])
        let loaded = try #require(result["pages"] as? [[String: Any]])
        #expect(loaded.count == pages.count)
        for page in loaded {
            let url = page["url"] as? String ?? "?"
            #expect((page["console_errors"] as? [Any])?.isEmpty == true, "\(url): \(page["console_errors"] ?? "")")
            #expect((page["colours"] as? Int ?? 0) > 8, "\(url) looks blank")
            #expect(page["dialog"] as? Bool == false, "\(url) opened a dialog")
        }
        #expect(loaded[1]["charts"] as? Int == 2)
        #expect(loaded[5]["charts"] as? Int == 1, "the tracked run's loss curve")
        #expect(loaded[2]["first_chart_curves"] as? Int == 3, "one curve per compared run")
        let hostile = try #require(result["hostile"] as? [String: Any])
        #expect(hostile["shown_as_text"] as? Bool == true && hostile["dialog"] as? Bool == false && hostile["scripts_in_main"] as? Int == 0)
        let offline = try #require(result["report"] as? [String: Any])
        #expect(offline["requests"] as? Int == 0, "the report made requests")
        #expect((offline["console_errors"] as? [Any])?.isEmpty == true, "\(offline["console_errors"] ?? "")")
        #expect(offline["first_chart_curves"] as? Int == 2 && (offline["colours"] as? Int ?? 0) > 8)
    }

    /// A sweep's page: the parallel-coordinates plot (one line per trial), a scatter per searched
    /// parameter, the trials' curves on linear and log scales, and the sweeps list.
    @Test func aSweepsPageDrawsItsTrials() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 100)
        let sweep = try cli.run(["sweep", "<b>s</b>", "--method", "random", "--trials", "6", "--steps", "60", "--display-step", "10",
                                 "--min-steps", "20", "--validation", "100", "--param", "lr=log:1e-3..1e-1", "--param", "hidden=8,16",
                                 "--param", "optimizer=adam", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let server = try ServeHarness(cli)
        let pages = ["/sweeps", "/sweeps/%3Cb%3Es%3C%2Fb%3E", "/sweeps/%3Cb%3Es%3C%2Fb%3E?scale=log"]
        let result = try PythonPeer.run("browser_check.py", [server.url, "--pages"] + pages)
        let loaded = try #require(result["pages"] as? [[String: Any]])
        #expect(loaded.count == 3)
        for page in loaded {
            let url = page["url"] as? String ?? "?"
            #expect((page["console_errors"] as? [Any])?.isEmpty == true, "\(url): \(page["console_errors"] ?? "")")
            #expect((page["colours"] as? Int ?? 0) > 8, "\(url) looks blank")
            #expect(page["dialog"] as? Bool == false, "\(url) opened a dialog")
        }
        // Parallel coordinates, one scatter per searched parameter (lr, hidden), the curves.
        #expect(loaded[1]["charts"] as? Int == 4 && loaded[2]["charts"] as? Int == 4, "\(loaded)")
        #expect(loaded[1]["first_chart_curves"] as? Int == 6, "one line per trial")
    }

    @Test func aRunningRunsPageUpdatesItselfAndShowsACrash() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 60)
        let trainer = try cli.start(["train", "--steps", "1000000", "--display-step", "20", "--checkpoint-every", "2000",
                                     "--name", "long", "--predictions", "0"])
        defer { if trainer.isRunning { kill(trainer.processIdentifier, SIGKILL) } }
        try cli.waitUntil(run: "long", reaches: 20)
        let server = try ServeHarness(cli)
        let live = try #require(try PythonPeer.run("browser_check.py", [server.url, "--pages", "/", "--live-run", "1", "--live-seconds", "5"])["live"] as? [String: Any])
        #expect(live["same_document"] as? Bool == true)
        #expect(live["status"] as? String == "running")
        let first = Int((live["first"] as? String ?? "").split(separator: "/").first?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        let second = Int((live["second"] as? String ?? "").split(separator: "/").first?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        #expect(second > first, "the page did not update itself: \(live)")

        kill(trainer.processIdentifier, SIGKILL)
        trainer.waitUntilExit()
        let crashed = try #require(try PythonPeer.run("browser_check.py", [server.url, "--pages", "/", "--live-run", "1", "--live-seconds", "0"])["live"] as? [String: Any])
        #expect(crashed["status"] as? String == "crashed")
        #expect(try server.fetch("/").body.contains("badge crashed"))
    }
}
