import Foundation
import Testing

/// A live `nnreg serve --port 0` on a harness's store, stopped when the test ends.
final class ServeHarness {
    let process: Process
    let url: String
    let cli: CommandLineHarness

    init(_ cli: CommandLineHarness, arguments: [String] = []) throws {
        self.cli = cli
        process = try cli.start(["serve", "--port", "0"] + arguments)
        url = try Self.waitForURL(cli, process)
    }

    deinit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Reads the server's "Serving … at http://…" line (bounded wait).
    private static func waitForURL(_ cli: CommandLineHarness, _ process: Process) throws -> String {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let out = cli.output(of: process)
            if let range = out.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) { return String(out[range]) }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw CommandLineHarness.Failure(description: "nnreg serve did not start: \(cli.output(of: process)) \(cli.errors(of: process))")
    }

    /// GET (or another method) with curl, the way any HTTP client would: status code and body;
    /// `body` is sent as the request's (`@FILE` sends a file), with `headers` ("Name: value").
    func fetch(_ path: String, method: String = "GET", body: String? = nil, headers: [String] = []) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        // HEAD with -I: curl -X HEAD would wait for the body the headers announce.
        let verb = method == "HEAD" ? ["-I"] : ["-X", method]
        let sent = (body.map { ["--data-binary", $0] } ?? []) + headers.flatMap { ["-H", $0] }
        process.arguments = ["-s", "-S", "--path-as-is", "--max-time", "30"] + verb + sent + ["-o", "-", "-w", "\n%{http_code}", url + path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else { return (0, text) }
        return (status, String(text[..<newline]))
    }
}
