import Foundation
import Testing

/// `nnreg serve` over HTTP (curl as the client): pages, the JSON API, refusals, and serving while
/// four trainers write to the store.
@Suite(.serialized) struct ServeTests {
    @Test func pagesAndTheAPIAnswerAndHostileRequestsAreRefused() throws {
        let cli = try CommandLineHarness(trainCount: 400, testCount: 60)
        #expect(try cli.run(["train", "--steps", "60", "--display-step", "20", "--name", "first", "--predictions", "0"]).status == 0)
        #expect(try cli.run(["train", "--steps", "40", "--display-step", "20", "--name", "<script>alert(1)</script>", "--tag", #"q="x""#, "--predictions", "0"]).status == 0)
        #expect(try cli.run(["model", "register", "m", "first", "--alias", "prod"]).status == 0)
        let before = try cli.storeFingerprint()
        let server = try ServeHarness(cli)
        for path in ["/", "/runs/1", "/runs/2", "/compare?run=1&run=2", "/models", "/models/m", "/static/nnreg.js",
                     "/?where=test_accuracy+%3E+0&sort=loss&dir=asc", "/?page=99999&per=100000"] {
            #expect(try server.fetch(path).status == 200, "\(path)")
        }
        let runs = try server.fetch("/").body
        #expect(runs.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !runs.contains("<script>alert"))
        #expect(runs.contains("q=&quot;x&quot;"))
        #expect(try server.fetch("/runs/1").body.contains("<img alt=\"test image 0\" src=\"data:image/png;base64,"))
        let filtered = try server.fetch("/?where=accuracy+%3E")
        #expect(filtered.status == 400 && filtered.body.contains("column"))
        for path in ["/nope", "/runs/999", "/runs/abc", "/models/ghost", "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                     "/static/..%2f..%2fPackage.swift", "/runs/%2e%2e"] {
            #expect(try server.fetch(path).status == 404, "\(path)")
        }
        #expect(try server.fetch("/", method: "POST").status == 405)
        #expect(try server.fetch("/", method: "HEAD").status == 200)
        #expect(try server.fetch("/?" + String(repeating: "a", count: 10_000)).status == 414)
        #expect(try server.fetch("/compare").status == 400)
        #expect(try server.fetch("/compare?" + (1...101).map { "run=\($0)" }.joined(separator: "&")).status == 400)

        // The API mirrors --json.
        let list = try JSONSerialization.jsonObject(with: Data(try server.fetch("/api/runs?sort=id&dir=asc").body.utf8)) as? [[String: Any]]
        let cliList = try cli.run(["list", "--json", "--sort", "id asc"]).json as? [[String: Any]]
        #expect(list?.map { $0["name"] as? String } == cliList?.map { $0["name"] as? String })
        #expect(list?.first?["test_accuracy"] as? Double == cliList?.first?["test_accuracy"] as? Double)
        let detail = try JSONSerialization.jsonObject(with: Data(try server.fetch("/api/runs/1").body.utf8)) as? [String: Any]
        #expect(detail?["name"] as? String == "first" && (detail?["checkpoints"] as? [Any])?.count == 1)
        let metrics = try JSONSerialization.jsonObject(with: Data(try server.fetch("/api/runs/1/metrics?key=loss").body.utf8)) as? [[String: Any]]
        #expect((metrics?.first?["points"] as? [[Double]])?.map { $0[0] } == [20, 40, 60])
        #expect(try server.fetch("/api/models/m").body.contains("\"prod\""))
        let bad = try server.fetch("/api/runs?where=loss+%3E")
        #expect(bad.status == 400 && bad.body.contains("\"error\""))
        #expect(try server.fetch("/api/runs/999").status == 404)
        // Serving wrote nothing.
        #expect(try cli.storeFingerprint() == before)
    }

    @Test func badStartsEndInOneLine() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 50)
        let missing = try cli.run(["serve", "--port", "0"])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: ") && missing.stderr.split(separator: "\n").count == 1)
        #expect(try cli.run(["train", "--steps", "20", "--display-step", "10", "--predictions", "0"]).status == 0)
        let server = try ServeHarness(cli)
        let port = server.url.split(separator: ":").last.map(String.init) ?? "0"
        let taken = try cli.run(["serve", "--port", port])
        #expect(taken.status == 1 && taken.stderr.contains("in use"), "\(taken.stderr)")
        #expect(try cli.run(["serve", "--port", "70000"]).status == 64)
        try sqlite(cli.db, "INSERT INTO schema_migrations VALUES ('9999_future', 'later')")
        let newer = try cli.run(["serve", "--port", "0"])
        #expect(newer.status == 1 && newer.stderr.contains("newer nnreg"), "\(newer.stderr)")
    }

    @Test func servesWhileFourTrainersWrite() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 60)
        #expect(try cli.run(["train", "--steps", "20", "--display-step", "10", "--predictions", "0", "--name", "seed"]).status == 0)
        let server = try ServeHarness(cli)
        let trainers = try (0..<4).map { index in
            try cli.start(["train", "--steps", "800", "--display-step", "10", "--checkpoint-every", "100", "--seed", String(index + 2),
                           "--name", "writer-\(index)", "--predictions", "0"])
        }
        for index in 0..<4 { try cli.waitUntil(run: "writer-\(index)", reaches: 10) }
        var answered = 0
        while trainers.contains(where: \.isRunning) || answered < 40 {
            for path in ["/", "/runs/2", "/compare?run=2&run=3&run=4&run=5", "/api/runs", "/api/runs/3/metrics?key=loss"] {
                let response = try server.fetch(path)
                #expect(response.status == 200, "\(path): \(response.status) \(response.body.prefix(200))")
                answered += 1
            }
        }
        for trainer in trainers { #expect(cli.finish(trainer).status == 0) }
        let list = try JSONSerialization.jsonObject(with: Data(try server.fetch("/api/runs").body.utf8)) as? [[String: Any]]
        #expect(list?.filter { $0["status"] as? String == "finished" }.count == 5)
        #expect(answered >= 40)
    }
}
