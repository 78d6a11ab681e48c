import ArgumentParser
import Foundation
import Scoring
import Store
import Synchronization
import Trainer
import WebServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the store read-only as a website (runs, run pages, comparisons, models) with a JSON API under /api/, and predictions.",
        discussion: """
            Never writes to or migrates the store, so it can run while trainers write. Binds to 127.0.0.1 unless told
            otherwise; pages update themselves every 2 s while a run is running. Ctrl-C stops it.
            Predictions: POST /models/NAME@ALIAS/invocations (or NAME:vN) with MLflow's scoring JSON, text/csv or an
            image/png or image/jpeg body; with --model REF also POST /invocations and GET /ping. Aliases are followed
            live: a moved alias answers from its new version at the next request.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Test images drawn with their predictions on each run page.") var images = 24
    @Flag(help: "Accept writes through MLflow's tracking API (/api/2.0/mlflow/); the pages stay read-only.")
    var allowWrites = false
    @Option(help: "A file holding the token MLflow clients must send (MLFLOW_TRACKING_TOKEN); required with --allow-writes off loopback.")
    var tokenFile: String?
    @Option(help: ArgumentHelp("The model POST /invocations scores: MODEL@ALIAS, MODEL:vN, RUN or RUN@STEP.", valueName: "reference"))
    var model: String?
    @Option(help: "How long the first scoring request of a batch waits for others to join it, in milliseconds.")
    var batchWaitMs = 1.0
    @Option(help: "Rows after which a batch is scored without waiting longer.") var maxBatchRows = 1_024
    @Option(help: "Most rows one scoring request may hold.") var maxRows = 10_000
    @Option(help: "Largest scoring request body, in MB.") var maxBodyMb = 16
    @Flag(help: "Scoring requests must carry the --token-file token (Authorization: Bearer TOKEN), as writes do.")
    var scoringNeedsToken = false

    func validate() throws {
        if let model { try ReferenceSyntax.validate(model) }
        guard (0...1_000).contains(batchWaitMs) else { throw ValidationError("--batch-wait-ms must be in 0…1000 (got \(batchWaitMs)).") }
        guard (1...100_000).contains(maxBatchRows) else { throw ValidationError("--max-batch-rows must be in 1…100000.") }
        guard (1...10_000_000).contains(maxRows) else { throw ValidationError("--max-rows must be in 1…10000000.") }
        guard (1...4_096).contains(maxBodyMb) else { throw ValidationError("--max-body-mb must be in 1…4096.") }
        if scoringNeedsToken, tokenFile == nil { throw ValidationError("--scoring-needs-token needs --token-file FILE.") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0…65535 (got \(port)).") }
        guard !host.isEmpty, !host.contains("/") else { throw ValidationError("--host must be an address such as 127.0.0.1.") }
        guard (0...200).contains(images) else { throw ValidationError("--images must be in 0…200.") }
        if allowWrites, tokenFile == nil, !Self.isLoopback(host) {
            throw ValidationError("--allow-writes on \(host) (not loopback) needs --token-file FILE: anyone who can reach it could write.")
        }
    }

    var scoringLimits: ScoringService.Limits {
        var limits = ScoringService.Limits()
        limits.batchWait = .microseconds(Int64((batchWaitMs * 1_000).rounded()))
        limits.maxBatchRows = maxBatchRows
        limits.maxRows = maxRows
        limits.maxBodyBytes = maxBodyMb << 20
        return limits
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The token in `--token-file`: its first line, at least 16 characters.
    func token() throws -> String? {
        guard let tokenFile else { return nil }
        guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw CLIError("cannot read the token file \(tokenFile); give a readable file holding one line")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard token.count >= 16 else { throw CLIError("the token in \(tokenFile) is shorter than 16 characters; use a longer random one") }
        return token
    }

    func run() throws {
        // Requests keep both cores busy; a scoring batch's products run on the batcher's core alone.
        KernelPath.setUsesTwoCores(false)
        let server = WebServer(
            storePath: global.db, predictions: WebPredictions(directory: global.data, count: images).provider,
            allowsWrites: allowWrites, token: try token(), scoringModel: model, scoringLimits: scoringLimits,
            scoringNeedsToken: scoringNeedsToken)
        do { try server.checkStore() } catch { throw CLIError("\(error)") }
        let (host, port, db) = (self.host, self.port, global.db)
        let mode = (allowWrites ? "with MLflow writes allowed\(tokenFile == nil ? "" : " (token required)")" : "read-only")
            + (model.map { ", scoring \($0) at /invocations" } ?? "")
        if !Store.isServerLocation(global.db) { WebServer.runTasksOnEventLoops() }
        let finished = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        Task.detached {
            do {
                try await server.run(host: host, port: port) { url in
                    FileHandle.standardOutput.write(Data("Serving \(db) \(mode) at \(url) (Ctrl-C stops)\n".utf8))
                }
            } catch {
                failure.withLock { $0 = error }
            }
            finished.signal()
        }
        finished.wait()
        if let error = failure.withLock({ $0 }) {
            let text = "\(error)"
            if text.contains("Address already in use") {
                throw CLIError("cannot listen on \(host):\(port): the address is in use; choose another --port")
            }
            throw CLIError("cannot serve on \(host):\(port): \(text)")
        }
    }
}
