import Foundation
import NNRegTracking
import OutputMetrics

/// What `nnreg track` was asked to run and record.
public struct TrackRequest: Sendable {
    /// The command line, program first.
    public var command: [String]
    public var name: String?
    /// The experiment the run joins, created on first use; nil for `Default`.
    public var experiment: String?
    public var tags: [String: String] = [:]
    /// Params given with `--param`; they win over those read from the command's flags.
    public var params: [String: ParamValue] = [:]
    public var readsFlagParams = true
    public var metricPatterns: [String] = []
    public var artifactDirectories: [String] = []
    public var nnregVersion: String?
    /// How long a command may take to stop after nnreg passed it SIGINT or SIGTERM.
    public var gracePeriod: TimeInterval = 10
    /// Sees the metric points as they are parsed (on the parser's thread); returning false stops
    /// the command (SIGTERM, then SIGKILL after `gracePeriod`) and ends the run `pruned`.
    public var watcher: (@Sendable (_ key: String, _ step: Int, _ value: Double) -> Bool)?
    /// Whether the command's output is passed on to nnreg's stdout and stderr (it is recorded either way).
    public var echoesOutput = true

    public init(command: [String]) {
        self.command = command
    }
}

/// How a tracked command ended and what was recorded.
public struct TrackOutcome: Sendable, Encodable {
    public let runID: Int64
    public let name: String
    public let status: RunStatus
    /// The command's exit status as a shell reports it (128 + N for signal N): nnreg's own.
    public let exitCode: Int32
    public let metricPoints: Int
    public let outputBytes: Int
    public let artifacts: [ArtifactInfo]
    /// Problems met while recording that did not stop the command (an unreadable artifact…).
    public let warnings: [String]

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", name, status, exitCode = "exit_code", metricPoints = "metric_points"
        case outputBytes = "output_bytes", artifacts, warnings
    }
}

/// A request whose patterns compiled, whose artifacts directories exist and whose program was
/// found (`ProcessTracker.validate`): what `ProcessTracker.run` needs, checked once.
public struct CheckedTrackRequest {
    public let request: TrackRequest
    let executable: String
    let patterns: [MetricPattern]
}

/// Runs a command unchanged and records it as a run: command line, directory, git state, its
/// output (compressed) and the metrics in it, its artifacts, and how it ended.
public enum ProcessTracker {
    /// Checks what can be checked before anything is recorded: the patterns compile, the
    /// artifacts directories exist, the program is there and executable.
    public static func validate(_ request: TrackRequest) throws -> CheckedTrackRequest {
        let patterns = try request.metricPatterns.map { pattern throws(MetricPatternError) in try MetricPattern(pattern) }
        for directory in request.artifactDirectories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TrackError.artifactsDirectoryMissing(directory)
            }
        }
        guard let program = request.command.first else { throw TrackError.commandNotFound("") }
        return CheckedTrackRequest(request: request, executable: try CommandLookup.executable(for: program), patterns: patterns)
    }

    /// Runs and records `checked` into `store`; `announce` is told the run once the command runs.
    public static func run(
        _ checked: CheckedTrackRequest, store: sending Store, announce: (TrackedRun) -> Void = { _ in }
    ) throws -> TrackOutcome {
        let (request, executable, patterns) = (checked.request, checked.executable, checked.patterns)
        SignalForwarding.install()
        var params = request.readsFlagParams ? FlagParams.params(inCommand: request.command) : [:]
        params.merge(request.params) { $1 }
        let directory = FileManager.default.currentDirectoryPath
        let storePath = store.path
        // The command starts inside the transaction that records its run, so that it need not wait
        // for the commit; if it cannot start, the run is rolled back and nothing is recorded.
        var started: ChildProcess?
        let run: TrackedRun
        var newRun = NewRun(
            name: request.name, targetSteps: 0, nnregVersion: request.nnregVersion, params: params,
            tags: request.tags, command: request.command, workingDirectory: directory)
        if let experiment = request.experiment { newRun.experimentID = try store.experimentID(forName: experiment) }
        do {
            run = try TrackedRun(store: store, newRun: newRun) { run in
                started = try ChildProcess(
                    executable: executable, arguments: request.command,
                    environment: ["NNREG_RUN_ID": String(run.id), "NNREG_DB": storePath])
                SignalForwarding.forward(to: started!.pid)
            }
        } catch {
            if let started {  // the run could not be committed: stop the command it would have recorded
                kill(started.pid, SIGKILL)
                _ = started.exitStatus(block: true)
            }
            throw error
        }
        let child = started!
        announce(run)
        let pruning = PruningFlag()
        let childPID = child.pid
        let watcher = request.watcher.map { watch in
            { @Sendable (points: [ParsedPoint]) in
                guard !pruning.isSet else { return }
                if points.contains(where: { !watch($0.key, $0.step, $0.value) }), pruning.set() {
                    kill(childPID, SIGTERM)
                }
            }
        }
        let parser = OutputParser(run: run, patterns: patterns, watcher: watcher) {
            if let git = GitState.read(in: directory) {
                _ = try? run.withStore { store, id in try store.setGitState(runID: id, commit: git.commit, isDirty: git.isDirty) }
            }
        }
        parser.start()
        var outputBytes = 0
        let exit = OutputPump.run(child, gracePeriod: request.gracePeriod, echoes: request.echoesOutput) { stream, bytes in
            outputBytes += bytes.count
            parser.enqueue(stream: stream, bytes)
        }
        let points = parser.finish()
        var warnings: [String] = []
        let artifacts = saveArtifacts(of: run, from: request.artifactDirectories, warnings: &warnings)
        let status = pruning.isSet ? .pruned : status(exit: exit, stopSignal: SignalForwarding.receivedSignal)
        try run.finish(status, exitCode: exit.code)
        return TrackOutcome(
            runID: run.id, name: run.name, status: status, exitCode: exit.code, metricPoints: points,
            outputBytes: outputBytes, artifacts: artifacts, warnings: warnings)
    }

    /// finished (0), failed (non-zero, or killed by a signal of its own), interrupted (nnreg was
    /// asked to stop, or the command died of SIGINT/SIGTERM/SIGHUP).
    static func status(exit: (code: Int32, signal: Int32?), stopSignal: Int32) -> RunStatus {
        if stopSignal != 0 { return .interrupted }
        if let signal = exit.signal { return [SIGINT, SIGTERM, SIGHUP].contains(signal) ? .interrupted : .failed }
        return exit.code == 0 ? .finished : .failed
    }

    /// Stores every regular file under the directories (named by their path inside it), all in one
    /// transaction; a file that cannot be read is left out with a warning.
    static func saveArtifacts(of run: TrackedRun, from directories: [String], warnings: inout [String]) -> [ArtifactInfo] {
        var files: [(name: String, url: URL)] = []
        for directory in directories {
            let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath()
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
                warnings.append("--artifacts \(directory) could not be read when the command ended; no artifacts from it")
                continue
            }
            for case let url as URL in walker {
                let resolved = url.resolvingSymlinksInPath()
                guard (try? resolved.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                let name = String(url.standardizedFileURL.path.dropFirst(root.path.count)).trimmingCharacters(in: ["/"])
                files.append((name, resolved))
            }
        }
        var saved: [ArtifactInfo] = []
        do {
            saved = try run.withStore { store, id in
                try store.inTransaction {
                    var infos: [ArtifactInfo] = []
                    for file in files.sorted(by: { $0.name < $1.name }) {
                        do {
                            let data = try TrackedRun.readArtifact(file.url)
                            infos.append(try store.saveArtifact(runID: id, name: file.name, data: data))
                        } catch let error as TrackingError {
                            warnings.append("artifact \(file.name) left out: \(error)")
                        } catch let error as CocoaError {
                            warnings.append("artifact \(file.name) left out: \(error.localizedDescription)")
                        }
                    }
                    return infos
                }
            }
        } catch {
            warnings.append("artifacts not stored: \(error)")
        }
        return saved
    }
}

/// Set once, from the parser's thread, when a watcher asked to stop the command.
final class PruningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    /// Sets the flag; true the first time only.
    func set() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}
