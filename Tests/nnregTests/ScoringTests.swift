import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import TestSupport
import Testing

/// Predictions from the registry: `predict --input` on files written by their formats' own
/// libraries, and `serve`'s scoring endpoint with every request shape, batching, a live alias, bad
/// input and the token; every answer compared bit for bit with `predict`'s forward pass.
@Suite(.serialized) struct ScoringTests {
    static let indices = [0, 1, 2, 3]

    /// A store with digits:v1 (step 40) and digits:v2 (step 80) of one run, champion on v1, and the
    /// probabilities `predict --index` gives for the test images at `indices` under each version.
    struct Fixture {
        let cli: CommandLineHarness
        let expected: [String: [[Float]]]
        let inputs: String

        init() throws {
            cli = try CommandLineHarness(trainCount: 600, testCount: 50)
            #expect(try cli.run(["train", "--steps", "80", "--display-step", "40", "--checkpoint-every", "40", "--name", "base"]).status == 0)
            #expect(try cli.run(["model", "register", "digits", "base@40", "--alias", "champion"]).status == 0)
            #expect(try cli.run(["model", "register", "digits", "base@80"]).status == 0)
            var expected: [String: [[Float]]] = [:]
            for version in ["digits:v1", "digits:v2"] {
                let result = try cli.run(["predict", version, "--index"] + ScoringTests.indices.map(String.init) + ["--json"])
                let rows = try #require(result.json as? [[String: Any]], "\(result.stderr)")
                expected[version] = rows.map { ($0["probabilities"] as? [Double] ?? []).map(Float.init) }
            }
            #expect(expected["digits:v1"] != expected["digits:v2"])
            self.expected = expected
            inputs = cli.directory + "/inputs"
            _ = try PythonPeer.run("write_inputs.py", [cli.data, inputs] + ScoringTests.indices.map(String.init))
        }
    }

    static func floats(_ value: Any?) -> [Float] { (value as? [Any] ?? []).compactMap { ($0 as? NSNumber).map { Float($0.doubleValue) } } }

    @Test func predictInputTakesImagesCSVAndNumpyArrays() throws {
        let fixture = try Fixture()
        let cli = fixture.cli
        let v1 = fixture.expected["digits:v1"]!
        let files = ["digit0.png", "digit1-rgb56.png", "rows.csv", "rows32.npy", "rows64.npy", "rows.npz"].map { fixture.inputs + "/" + $0 }
        let result = try cli.run(["predict", "digits@champion", "--input"] + files + ["--json", "--top", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(result.json as? [[String: Any]])
        // Lossless files hold the test images' exact values: the same bits as predict --index.
        let rows = entries.map { Self.floats($0["probabilities"]) }
        #expect(rows.count == 2 + 4 * Self.indices.count)
        #expect(rows[0] == v1[0], "PNG")
        #expect(rows[1] == v1[1], "an RGB PNG twice the size, resized by area averaging")
        for (k, name) in ["rows.csv", "rows32.npy", "rows64.npy", "rows.npz"].enumerated() {
            #expect(Array(rows[(2 + 4 * k)..<(6 + 4 * k)]) == v1, "\(name)")
        }
        #expect(entries[2]["input"] as? String == "rows.csv line 2" && entries[7]["input"] as? String == "rows32.npy[1]")
        let top = try #require(entries[0]["top"] as? [[String: Any]])
        #expect(top.count == 3 && top[0]["class"] as? Int == entries[0]["class"] as? Int)

        // Dark on light, inverted: the same as the original; a JPEG gets an answer of its own.
        let dark = try cli.run(["predict", "digits:v1", "--input", fixture.inputs + "/digit2-dark.png", fixture.inputs + "/digit2.jpg", "--invert", "--json"])
        let darkRows = try #require(dark.json as? [[String: Any]], "\(dark.stderr)")
        #expect(Self.floats(darkRows[0]["probabilities"]) == v1[2])
        let table = try cli.run(["predict", "digits:v1", "--input", fixture.inputs + "/digit3.jpg", fixture.inputs + "/digit3.png"])
        #expect(table.status == 0 && table.stdout.contains("digit3.jpg") && table.stdout.contains("digits:v1"), "\(table.stdout)")
        let csv = try cli.run(["predict", "digits:v1", "--input", fixture.inputs + "/digit3.png", "--csv"])
        #expect(csv.stdout.hasPrefix("input,class,p0,") && csv.stdout.split(separator: "\n").count == 2, "\(csv.stdout)")

        // Unreadable inputs: one line each naming the file; the others still answered; exit 1.
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: cli.directory + "/fake.png"))
        try Data("1,2,3\n4,5\n".utf8).write(to: URL(fileURLWithPath: cli.directory + "/ragged.csv"))
        let mixed = try cli.run(["predict", "digits:v1", "--input", cli.directory + "/fake.png", cli.directory + "/missing.npy",
                                 fixture.inputs + "/digit0.png", cli.directory + "/ragged.csv", "--json"])
        #expect(mixed.status == 1)
        let lines = mixed.stderr.split(separator: "\n")
        #expect(lines.count == 4, "\(mixed.stderr)")
        #expect(lines[0].contains("fake.png") && lines[0].contains("not a PNG or JPEG"), "\(lines[0])")
        #expect(lines[1].contains("missing.npy") && lines[2].contains("ragged.csv line 2"), "\(mixed.stderr)")
        #expect((mixed.json as? [[String: Any]]).map { $0.map { Self.floats($0["probabilities"]) } } == [v1[0]])
        // A row of the wrong width.
        let narrow = try cli.run(["predict", "digits:v1", "--input", cli.directory + "/ragged.csv"])
        #expect(narrow.status == 1 && narrow.stderr.contains("ragged.csv"))
    }

    @Test func everyRequestShapeGivesPredictsAnswers() throws {
        let fixture = try Fixture()
        let server = try ServeHarness(fixture.cli, arguments: ["--model", "digits@champion"])
        let v1 = fixture.expected["digits:v1"]!
        let pixels = try Self.testPixels(fixture.cli)
        let rows = Self.indices.map { index in pixels[index].map { Double($0) / 255 } }
        let text = { (row: [Double]) in row.map { "\($0)" }.joined(separator: ",") }
        let reversed = (0..<784).reversed()
        let bodies: [(String, String)] = [
            ("{\"inputs\": [\(rows.map { "[\(text($0))]" }.joined(separator: ","))]}", "application/json"),
            ("{\"instances\": [\(rows.map { "[\(text($0))]" }.joined(separator: ","))]}", "application/json"),
            ("{\"inputs\": {\"pixels\": [\(rows.map { row in "[" + (0..<28).map { r in "[\(text(Array(row[(r * 28)..<(r * 28 + 28)])))]" }.joined(separator: ",") + "]" }.joined(separator: ","))]}}", "application/json"),
            ("{\"dataframe_split\": {\"columns\": [\(reversed.map { "\"pixel\($0)\"" }.joined(separator: ","))], \"data\": [\(rows.map { row in "[\(text(reversed.map { row[$0] }))]" }.joined(separator: ","))]}}", "application/json; charset=utf-8"),
            ("{\"dataframe_records\": [\(rows.map { row in "{" + reversed.map { "\"\($0)\": \(row[$0])" }.joined(separator: ",") + "}" }.joined(separator: ","))], \"params\": {\"x\": 1}}", "application/json"),
            (rows.map(text).joined(separator: "\n"), "text/csv"),
        ]
        for (body, type) in bodies {
            let answer = try Self.post(server.url + "/invocations", Data(body.utf8), type: type)
            #expect(answer.status == 200, "\(type) \(body.prefix(40)): \(answer.text)")
            #expect(answer.version == "digits:v1")
            #expect(answer.predictions.map(\.probabilities) == v1, "\(body.prefix(60))")
            #expect(answer.predictions.map(\.class) == v1.map { row in row.indices.max { row[$0] < row[$1] }! })
        }
        for (name, index) in [("digit1.png", 1), ("digit2.jpg", 2)] {
            let image = try Data(contentsOf: URL(fileURLWithPath: fixture.inputs + "/" + name))
            let answer = try Self.post(server.url + "/models/digits:v1/invocations", image, type: name.hasSuffix("png") ? "image/png" : "image/jpeg")
            #expect(answer.status == 200 && answer.predictions.count == 1, "\(answer.text)")
            if name.hasSuffix("png") { #expect(answer.predictions[0].probabilities == v1[index]) }
        }
        let ping = try server.fetch("/ping")
        #expect(ping.status == 200)
        let other = try Self.post(server.url + "/models/digits%3Av2/invocations", Data(bodies[0].0.utf8), type: "application/json")
        #expect(other.version == "digits:v2" && other.predictions.map(\.probabilities) == fixture.expected["digits:v2"])
    }

    @Test func anAliasMovedThroughMLflowsAPIIsFollowedByTheSameServer() throws {
        let fixture = try Fixture()
        let server = try ServeHarness(fixture.cli, arguments: ["--model", "digits@champion", "--allow-writes"])
        let pixels = try Self.testPixels(fixture.cli)
        let body = Data("{\"inputs\": [[\(pixels[0].map { "\(Float($0) / 255)" }.joined(separator: ","))]]}".utf8)
        for version in [2, 1, 2] {
            let move = try Self.post(server.url + "/api/2.0/mlflow/registered-models/alias",
                                     Data("{\"name\": \"digits\", \"alias\": \"champion\", \"version\": \"\(version)\"}".utf8), type: "application/json")
            #expect(move.status == 200, "\(move.text)")
            let answer = try Self.post(server.url + "/invocations", body, type: "application/json")
            #expect(answer.version == "digits:v\(version)" && answer.predictions.first?.probabilities == fixture.expected["digits:v\(version)"]?[0])
        }
    }

    @Test func concurrentRequestsAreBatchedAndAnswerAsAlone() throws {
        let fixture = try Fixture()
        let server = try ServeHarness(fixture.cli, arguments: ["--batch-wait-ms", "20"])
        let cli = fixture.cli
        let pixels = try Self.testPixels(cli)
        // Each test image alone, through predict: the reference.
        let all = try cli.run(["predict", "digits:v2", "--count", String(pixels.count), "--json"])
        let reference = try #require(all.json as? [[String: Any]]).map { Self.floats($0["probabilities"]) }
        let answers = Mutex([Int: [Float]]())
        let url = server.url
        DispatchQueue.concurrentPerform(iterations: pixels.count) { index in
            let body = "{\"inputs\": [[\(pixels[index].map { "\(Float($0) / 255)" }.joined(separator: ","))]]}"
            if let answer = try? Self.post(url + "/models/digits:v2/invocations", Data(body.utf8), type: "application/json"),
               answer.status == 200, answer.predictions.count == 1 {
                answers.withLock { $0[index] = answer.predictions[0].probabilities }
            }
        }
        let got = answers.withLock { $0 }
        #expect(got.count == pixels.count)
        for index in pixels.indices { #expect(got[index] == reference[index], "test image \(index)") }
        // One request of many rows: the same bits again.
        let body = "{\"inputs\": [\(pixels.map { "[\($0.map { "\(Float($0) / 255)" }.joined(separator: ","))]" }.joined(separator: ","))]}"
        let many = try Self.post(server.url + "/models/digits:v2/invocations", Data(body.utf8), type: "application/json")
        #expect(many.predictions.map(\.probabilities) == reference)
    }

    @Test func anAliasMovedUnderLoadAnswersFromItsNewVersionAtTheNextRequest() throws {
        let fixture = try Fixture()
        let cli = fixture.cli
        let server = try ServeHarness(cli, arguments: ["--batch-wait-ms", "0.5"])
        let pixels = try Self.testPixels(cli)
        let body = Data("{\"inputs\": [[\(pixels[0].map { "\(Float($0) / 255)" }.joined(separator: ","))]]}".utf8)
        struct Sent { let number: Int; let version: String?; let matches: Bool; let status: Int }
        let state = Mutex((started: 0, stop: false, sent: [Sent]()))
        let expected = fixture.expected
        let url = server.url
        let client = Thread {
            while !state.withLock({ $0.stop }) {
                let number = state.withLock { state in
                    state.started += 1
                    return state.started
                }
                let answer = try? Self.post(url + "/models/digits@champion/invocations", body, type: "application/json")
                let version = answer?.version
                let matches = version.flatMap { expected[$0]?[0] } == answer?.predictions.first?.probabilities
                state.withLock { $0.sent.append(Sent(number: number, version: version, matches: matches, status: answer?.status ?? 0)) }
            }
        }
        client.start()
        // Each move: requests answered before it was made come from the old version, requests begun
        // after `nnreg model alias` returned from the new one; those in flight meanwhile from either.
        // A request is numbered before it is sent, so the last one numbered before the move may reach
        // the server after it: `before` is the last one answered.
        var moves: [(before: Int, after: Int, version: String)] = []
        for move in 0..<6 {
            let target = move % 2 == 0 ? 2 : 1
            while state.withLock({ $0.sent.count }) < 5 * (move + 1) { usleep(1_000) }
            let before = state.withLock { $0.sent.count }
            #expect(try cli.run(["model", "alias", "digits", "champion", String(target)]).status == 0)
            moves.append((before, state.withLock { $0.started }, "digits:v\(target)"))
            // The pages answer meanwhile.
            #expect(try server.fetch("/models/digits").status == 200)
        }
        while state.withLock({ $0.sent.count }) < 5 * 7 { usleep(1_000) }
        state.withLock { $0.stop = true }
        while client.isExecuting { usleep(1_000) }
        let sent = state.withLock { $0.sent }
        #expect(sent.allSatisfy { $0.status == 200 && $0.matches }, "\(sent.filter { !($0.status == 200 && $0.matches) }.map { ($0.number, $0.status, $0.version ?? "-") })")
        for request in sent where !moves.contains(where: { $0.before < request.number && request.number <= $0.after }) {
            let expected = moves.last { $0.after < request.number }?.version ?? "digits:v1"
            #expect(request.version == expected, "request \(request.number): \(moves)")
        }
        #expect(Set(sent.compactMap(\.version)) == ["digits:v1", "digits:v2"])
    }

    @Test func scoringWritesNothingAndRefusesBadInputInOneLine() throws {
        let fixture = try Fixture()
        let cli = fixture.cli
        let token = String(repeating: "s3cret-", count: 4)
        try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: cli.directory + "/token"))
        let before = try Self.fingerprint(cli)
        let server = try ServeHarness(cli, arguments: ["--model", "digits@champion", "--max-rows", "3", "--max-body-mb", "1",
                                                       "--token-file", cli.directory + "/token", "--scoring-needs-token"])
        let auth = ["Authorization": "Bearer \(token)"]
        let row = "[" + Array(repeating: "0.5", count: 784).joined(separator: ",") + "]"
        let cases: [(body: String, type: String, status: Int, says: String)] = [
            ("{\"inputs\": [[1, 2, 3]]}", "application/json", 400, "takes rows of 784 features"),
            ("{\"inputs\": [\(row), [1]]}", "application/json", 400, "ragged"),
            ("{\"inputs\": [[NaN]]}", "application/json", 400, "finite"),
            ("{\"inputs\": [[\"7\"]]}", "application/json", 400, "a string"),
            ("{\"inputs\": [[1e39]]}", "application/json", 400, "finite"),
            ("{\"inputs\": [\(row), \(row), \(row), \(row)]}", "application/json", 413, "at most 3"),
            ("{\"inputs\": [[1]], \"instances\": [[1]]}", "application/json", 400, "more than one"),
            ("{\"rows\": []}", "application/json", 400, "unknown key"),
            ("[1, 2]", "application/json", 400, "JSON object"),
            ("{\"inputs\": [[1, 2]", "application/json", 400, "not valid scoring JSON"),
            (String(repeating: "[", count: 5_000), "application/json", 400, "JSON object"),
            ("{\"inputs\": " + String(repeating: "[", count: 5_000) + "}", "application/json", 400, "deeper"),
            ("1,2,3\n4,x,6\n", "text/csv", 400, "line 2 column 2: 'x' is not a number"),
            ("pixel0,pixel1\n", "text/csv", 400, "holds no rows"),
            ("this is not a PNG", "image/png", 400, "not a PNG or JPEG"),
            ("{}", "application/xml", 415, "not scored"),
            ("{\"inputs\": [" + Array(repeating: row, count: 400).joined(separator: ",") + "]}", "application/json", 413, "largest accepted"),
        ]
        for test in cases {
            let answer = try Self.post(server.url + "/invocations", Data(test.body.utf8), type: test.type, headers: auth)
            #expect(answer.status == test.status, "\(test.body.prefix(40)) (\(test.type)): \(answer.text.prefix(200))")
            let message = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains(test.says) && !message.contains("\n"), "\(test.body.prefix(40)): \(message)")
        }
        let unknown = try Self.post(server.url + "/models/nope@champion/invocations", Data("{\"inputs\": [\(row)]}".utf8), type: "application/json", headers: auth)
        #expect(unknown.status == 404)
        let noToken = try Self.post(server.url + "/invocations", Data("{\"inputs\": [\(row)]}".utf8), type: "application/json")
        #expect(noToken.status == 401)
        let wrongToken = try Self.post(server.url + "/invocations", Data("{\"inputs\": [\(row)]}".utf8), type: "application/json",
                                       headers: ["Authorization": "Bearer \(token)x"])
        #expect(wrongToken.status == 401)
        let good = try Self.post(server.url + "/invocations", Data("{\"inputs\": [\(row)]}".utf8), type: "application/json", headers: auth)
        #expect(good.status == 200 && good.version == "digits:v1")
        #expect(try server.fetch("/invocations").status == 405)
        #expect(try Self.fingerprint(cli) == before)

        // A reference that names nothing, at start: one line, exit 1.
        let bad = try cli.run(["serve", "--port", "0", "--model", "digits@nope"])
        #expect(bad.status == 1 && bad.stderr.contains("nope") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }

    // MARK: helpers

    struct Answer {
        let status: Int
        let body: Data
        let version: String?
        var text: String { String(decoding: body, as: UTF8.self) }
        var predictions: [(class: Int, probabilities: [Float])] {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            return (object?["predictions"] as? [[String: Any]] ?? []).map { ($0["class"] as? Int ?? -1, ScoringTests.floats($0["probabilities"])) }
        }
    }

    /// The harness's test images as bytes.
    static func testPixels(_ cli: CommandLineHarness) throws -> [[UInt8]] {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cli.data + "/t10k-images-idx3-ubyte")))
        let count = Int(data[4]) << 24 | Int(data[5]) << 16 | Int(data[6]) << 8 | Int(data[7])
        return (0..<count).map { Array(data[(16 + $0 * 784)..<(16 + ($0 + 1) * 784)]) }
    }

    /// The store file and its write-ahead log.
    static func fingerprint(_ cli: CommandLineHarness) throws -> [Data] {
        [cli.db, cli.db + "-wal"].map { (try? Data(contentsOf: URL(fileURLWithPath: $0))) ?? Data() }
    }

    static func post(_ url: String, _ body: Data, type: String, headers: [String: String] = [:]) throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = 30
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<(Data?, HTTPURLResponse?, Error?)>((nil, nil, nil))
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.withLock { $0 = (data, response as? HTTPURLResponse, error) }
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = result.withLock { $0 }
        if let error { throw error }
        return Answer(status: response?.statusCode ?? 0, body: data ?? Data(), version: response?.value(forHTTPHeaderField: "nnreg-model-version"))
    }
}

/// The scoring endpoint on a PostgreSQL store: the same answers as `predict`, and an alias moved by
/// another process followed at the next request.
@Suite(.serialized, .enabled(if: StoreBackend.available.contains(.postgresql)))
struct PostgresScoringTests {
    @Test func scoresFromAServerStoreAndFollowsItsAliases() throws {
        let cli = try CommandLineHarness(trainCount: 600, testCount: 20, backend: .postgresql)
        #expect(try cli.run(["train", "--steps", "80", "--display-step", "40", "--checkpoint-every", "40", "--name", "base"]).status == 0)
        #expect(try cli.run(["model", "register", "digits", "base@40", "--alias", "champion"]).status == 0)
        #expect(try cli.run(["model", "register", "digits", "base@80"]).status == 0)
        var expected: [String: [Float]] = [:]
        for version in ["digits:v1", "digits:v2"] {
            let rows = try #require(try cli.run(["predict", version, "--index", "0", "--json"]).json as? [[String: Any]])
            expected[version] = ScoringTests.floats(rows.first?["probabilities"])
        }
        let server = try ServeHarness(cli, arguments: ["--model", "digits@champion"])
        let pixels = try ScoringTests.testPixels(cli)
        let body = Data("{\"inputs\": [[\(pixels[0].map { "\(Float($0) / 255)" }.joined(separator: ","))]]}".utf8)
        for version in ["digits:v1", "digits:v2", "digits:v1"] {
            #expect(try cli.run(["model", "alias", "digits", "champion", String(version.last!)]).status == 0)
            let answer = try ScoringTests.post(server.url + "/invocations", body, type: "application/json")
            #expect(answer.status == 200 && answer.version == version, "\(answer.text)")
            #expect(answer.predictions.first?.probabilities == expected[version])
        }
    }
}
