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

    private let storeLock = NSLock()
    private let store: Store  // only under storeLock

    private let queue = NSCondition()
    // Guarded by `queue`:
    private var points: [MetricSample] = []
    private var output: [UInt8] = []
    private var lastError: Error?
    private var isStopping = false
    private var isThreadRunning = false

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
        queue.lock()
        isThreadRunning = true
        queue.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "nnreg-writer"
        thread.start()
    }

    func enqueue(_ samples: [MetricSample]) {
        queue.lock()
        points += samples
        if points.count >= Self.pointsThreshold { queue.broadcast() }
        queue.unlock()
    }

    func enqueueOutput(_ bytes: UnsafeRawBufferPointer) {
        queue.lock()
        output.append(contentsOf: bytes)
        if output.count >= Self.outputThreshold { queue.broadcast() }
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
        guard isThreadRunning else { return queue.unlock() }
        isStopping = true
        queue.broadcast()
        while isThreadRunning { queue.wait() }
        queue.unlock()
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
            while !isStopping, points.count < Self.pointsThreshold, output.count < Self.outputThreshold, Date() < deadline {
                queue.wait(until: deadline)
            }
            let stopping = isStopping
            queue.unlock()
            storeLock.lock()
            try? writeQueued()  // an error stays in `lastError` for the next flush() or finish()
            storeLock.unlock()
            deadline = Date().addingTimeInterval(flushInterval)
            if stopping { break }
        }
        queue.lock()
        isThreadRunning = false
        queue.broadcast()
        queue.unlock()
    }

    /// Takes the queue and commits it with the run's progress and heartbeat (call with `storeLock`).
    private func writeQueued() throws {
        queue.lock()
        let batch = points, bytes = output
        points = []
        output = []
        queue.unlock()
        let now = Date()
        let batchHighest = batch.reduce(highestStep) { max($0, $1.step) }
        let isHeartbeatDue = now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval
        guard !batch.isEmpty || !bytes.isEmpty || isHeartbeatDue else {
            try throwPendingError()
            return
        }
        do {
            try store.inTransaction {
                if !batch.isEmpty { try store.logMetrics(runID: runID, samples: batch) }
                if !bytes.isEmpty { try store.appendOutput(runID: runID, bytes: bytes) }
                try store.updateRun(runID: runID, stepsDone: batchHighest >= 0 ? batchHighest : nil, heartbeatAt: now)
            }
        } catch {
            queue.lock()
            points = batch + points
            output = bytes + output
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
