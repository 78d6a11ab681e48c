import Foundation
import Store

/// The background half of `TrackedRun`: a queue of points and output that callers append to, and
/// a thread that commits it in one transaction at least every `flushInterval`.
///
/// Lock order: `storeLock`, then `queue`. A batch is taken from the queue while holding
/// `storeLock`, so batches reach the store in the order they were queued (output chunks too).
final class Writer: @unchecked Sendable {
    static let pointsThreshold = 100_000
    static let outputThreshold = 4 << 20
    static let heartbeatInterval: TimeInterval = 5

    /// The run written to, set once by `start` (before any write).
    private(set) var runID: Int64 = 0
    private let flushInterval: TimeInterval

    private let thread = LoopThread()
    private let storeLock = NSLock()
    private let store: Store  // only under storeLock

    private let queue = NSCondition()
    // Guarded by `queue`:
    private var points: [MetricSample] = []
    /// Output in the order it was queued: raw bytes (compressed when written) or chunks a caller
    /// compressed already.
    private var output: [OutputPiece] = []
    private var outputBytes = 0
    private var lastError: Error?
    private var isStopping = false

    // Guarded by `storeLock`:
    private var highestStep = -1
    private var lastHeartbeat = Date()

    init(store: sending Store, flushInterval: Duration) {
        self.store = store
        let (seconds, attoseconds) = flushInterval.components
        self.flushInterval = max(0.01, Double(seconds) + Double(attoseconds) / 1e18)
    }

    func start(runID: Int64) {
        self.runID = runID
        thread.start(name: "nnreg-writer") { [self] in loop() }
    }

    func enqueue(_ samples: [MetricSample]) {
        queue.lock()
        points += samples
        if points.count >= Self.pointsThreshold { queue.broadcast() }
        queue.unlock()
    }

    enum OutputPiece {
        case raw([UInt8])
        case compressed([UInt8], rawSize: Int)
    }

    func enqueueOutput(_ bytes: UnsafeRawBufferPointer) {
        queue.lock()
        if case .raw(var last) = output.last {
            output.removeLast()
            last.append(contentsOf: bytes)
            output.append(.raw(last))
        } else {
            output.append(.raw(Array(bytes)))
        }
        outputBytes += bytes.count
        if outputBytes >= Self.outputThreshold { queue.broadcast() }
        queue.unlock()
    }

    func enqueueCompressedOutput(_ compressed: [UInt8], rawSize: Int) {
        queue.lock()
        output.append(.compressed(compressed, rawSize: rawSize))
        outputBytes += rawSize
        if outputBytes >= Self.outputThreshold { queue.broadcast() }
        queue.unlock()
    }

    /// Writes what is queued now, on the caller's thread; throws the write's error (or an earlier
    /// background one), leaving the points queued.
    func flush() throws {
        storeLock.lock()
        defer { storeLock.unlock() }
        try writeQueued()
    }

    /// Stops the background thread after a last write, and waits for it.
    func stop() {
        queue.lock()
        isStopping = true
        queue.broadcast()
        queue.unlock()
        thread.waitUntilEnded()
    }

    func withStore<T>(_ body: (Store, Int64) throws -> T) throws -> T {
        storeLock.lock()
        defer { storeLock.unlock() }
        return try body(store, runID)
    }

    private func loop() {
        var deadline = Date().addingTimeInterval(flushInterval)
        while true {
            queue.lock()
            while !isStopping, points.count < Self.pointsThreshold, outputBytes < Self.outputThreshold, Date() < deadline {
                _ = queue.wait(until: deadline)
            }
            let stopping = isStopping
            queue.unlock()
            storeLock.lock()
            try? writeQueued()  // an error stays in `lastError` for the next flush() or finish()
            storeLock.unlock()
            deadline = Date().addingTimeInterval(flushInterval)
            if stopping { break }
        }
    }

    /// Takes the queue and commits it with the run's progress and heartbeat (call with `storeLock`).
    private func writeQueued() throws {
        queue.lock()
        let batch = points, pieces = output, pieceBytes = outputBytes
        points = []
        output = []
        outputBytes = 0
        queue.unlock()
        let now = Date()
        let batchHighest = batch.reduce(highestStep) { max($0, $1.step) }
        let isHeartbeatDue = now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval
        guard !batch.isEmpty || !pieces.isEmpty || isHeartbeatDue else {
            try throwPendingError()
            return
        }
        do {
            try store.inTransaction {
                if !batch.isEmpty { try store.logMetrics(runID: runID, samples: batch) }
                for piece in pieces {
                    switch piece {
                    case .raw(let bytes): try store.appendOutput(runID: runID, bytes: bytes)
                    case .compressed(let bytes, let rawSize): try store.appendOutput(runID: runID, compressed: bytes, rawSize: rawSize)
                    }
                }
                try store.updateRun(runID: runID, stepsDone: batchHighest >= 0 ? batchHighest : nil, heartbeatAt: now)
            }
        } catch {
            queue.lock()
            points = batch + points
            output = pieces + output
            outputBytes += pieceBytes
            lastError = error
            queue.unlock()
            throw error
        }
        highestStep = batchHighest
        lastHeartbeat = now
        queue.lock()
        lastError = nil
        queue.unlock()
    }

    private func throwPendingError() throws {
        queue.lock()
        let error = lastError
        queue.unlock()
        if let error { throw error }
    }
}
