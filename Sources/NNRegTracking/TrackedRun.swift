import Foundation
import Store

/// One run being recorded into a store from a program's own training loop (and by `nnreg track`).
///
/// ```swift
/// let run = try TrackedRun(storePath: "nnreg.sqlite", name: "sweep-3", params: ["lr": .real(0.01)])
/// for step in 1...1000 {
///     // … one step of training …
///     run.log(["loss": loss, "accuracy": accuracy], step: step)
/// }
/// try run.saveArtifact(name: "model.safetensors", contentsOf: url)
/// try run.finish()
/// ```
///
/// `log` only appends to memory and never waits for the disk: a background thread commits what
/// was logged in one transaction at least every `flushInterval` (1 s by default) and whenever
/// 100,000 points are waiting, and beats the run's heartbeat. If the process dies, at most the last
/// interval is lost and `nnreg list` shows the run as crashed. Errors of the background writes are
/// kept and thrown by the next `flush()` or `finish()`; the points stay queued and are retried.
///
/// Safe to use from several threads.
public final class TrackedRun: Sendable {
    /// The run's id in the store.
    public let id: Int64
    /// The run's unique name.
    public let name: String
    /// The store file's path.
    public let storePath: String

    private let writer: Writer

    /// Opens (or creates) the store at `storePath` and starts a `running` run owned by this process.
    public convenience init(
        storePath: String, name: String? = nil, params: [String: ParamValue] = [:], tags: [String: String] = [:],
        notes: String? = nil, flushInterval: Duration = .seconds(1)
    ) throws {
        let store = try Store(path: storePath)
        try self.init(
            store: store, newRun: NewRun(name: name, targetSteps: 0, notes: notes, params: params, tags: tags),
            flushInterval: flushInterval)
    }

    /// Starts `newRun` in `store`, which this run then owns (and uses from its own thread).
    /// `whileCreating` runs inside the transaction that records the run, before it commits: what it
    /// starts (`nnreg track` starts the command there) does not wait for the commit's disk sync, and
    /// when it throws, the run is not recorded at all.
    public init(
        store: sending Store, newRun: NewRun, flushInterval: Duration = .seconds(1),
        whileCreating: (Run) throws -> Void = { _ in }
    ) throws {
        storePath = store.path
        writer = Writer(store: store, flushInterval: flushInterval)
        let run = try writer.withStore { store, _ in
            try store.inTransaction {
                let run = try store.createRun(newRun)
                try whileCreating(run)
                return run
            }
        }
        id = run.id
        name = run.name
        writer.start(runID: run.id)
    }

    deinit { writer.stop() }

    /// Queues the values of several metrics at `step`. Never blocks on the disk.
    public func log(_ values: [String: Double], step: Int) {
        let now = Date()
        writer.enqueue(values.sorted { $0.key < $1.key }.map { MetricSample(key: $0.key, step: step, value: $0.value, wallTime: now) })
    }

    /// Queues one metric value at `step`.
    public func log(_ key: String, _ value: Double, step: Int) {
        writer.enqueue([MetricSample(key: key, step: step, value: value, wallTime: Date())])
    }

    /// Queues many points at once (`nnreg track` hands over what it parsed from a program's output).
    public func log(_ samples: [MetricSample]) {
        writer.enqueue(samples)
    }

    /// Queues bytes of the program's console output, kept compressed with the run (`nnreg logs`).
    public func logOutput(_ bytes: UnsafeRawBufferPointer) {
        writer.enqueueOutput(bytes)
    }

    /// Queues output that `Store.compressOutput` compressed already, on the caller's thread
    /// (`nnreg track` compresses on its parsing thread rather than in the one that writes).
    package func logCompressedOutput(_ compressed: [UInt8], rawSize: Int) {
        writer.enqueueCompressedOutput(compressed, rawSize: rawSize)
    }

    /// Sets (or replaces) params of the run, now.
    public func setParams(_ params: [String: ParamValue]) throws {
        try writer.withStore { store, id in try store.setParams(params, runID: id) }
    }

    /// Adds (or replaces) tags of the run, now.
    public func setTags(_ tags: [String: String]) throws {
        try writer.withStore { store, id in try store.addTags(tags, runID: id) }
    }

    /// Stores `data` as the artifact `name`, content-addressed (identical bytes are kept once).
    @discardableResult
    public func saveArtifact(name: String, data: Data) throws -> ArtifactInfo {
        try writer.withStore { store, id in try store.saveArtifact(runID: id, name: name, data: data) }
    }

    /// Stores the file at `url` as the artifact `name`.
    @discardableResult
    public func saveArtifact(name: String, contentsOf url: URL) throws -> ArtifactInfo {
        try saveArtifact(name: name, data: try Self.readArtifact(url))
    }

    /// Reads a file for `saveArtifact`, refusing one too large for a blob before reading it.
    public static func readArtifact(_ url: URL) throws -> Data {
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Store.maxArtifactBytes else { throw TrackingError.artifactTooLarge(path: url.path, bytes: size) }
        return try Data(contentsOf: url)
    }

    /// Saves a checkpoint at `step` after committing every point logged so far: `weights` and
    /// `trainerState` are stored as content-addressed blobs (nnreg's commands read its own network
    /// format; other bytes are kept as they are).
    @discardableResult
    public func saveCheckpoint(step: Int, weights: Data, trainerState: Data = Data()) throws -> CheckpointInfo {
        try flush()
        return try writer.withStore { store, id in
            try store.inTransaction {
                let info = try store.saveCheckpoint(runID: id, step: step, weights: weights, trainerState: trainerState)
                try store.heartbeat(runID: id, step: step)
                return info
            }
        }
    }

    /// Commits everything logged so far, now; throws the first error a background write met.
    public func flush() throws {
        try writer.flush()
    }

    /// Commits everything and ends the run with `status` (and a tracked program's exit status).
    public func finish(_ status: RunStatus = .finished, exitCode: Int32? = nil) throws {
        try writer.flush()
        writer.stop()
        try writer.withStore { store, id in try store.finishRun(runID: id, status: status, exitCode: exitCode) }
    }

    /// Removes the run and everything recorded for it (a tracked command that could not start).
    public func discard() throws {
        writer.stop()
        _ = try writer.withStore { store, id in try store.purgeRun(id: id) }
    }

    /// Runs `body` with the run's store, on the caller's thread, while no background write runs.
    public func withStore<T>(_ body: (Store, Int64) throws -> T) throws -> T {
        try writer.withStore(body)
    }
}

/// Why tracking could not record something.
public enum TrackingError: Error, CustomStringConvertible, Equatable {
    case artifactTooLarge(path: String, bytes: Int)

    public var description: String {
        switch self {
        case .artifactTooLarge(let path, let bytes):
            return "\(path) is \(bytes) bytes; an artifact holds at most \(Store.maxArtifactBytes) bytes. Store a smaller file (or split it)."
        }
    }
}
