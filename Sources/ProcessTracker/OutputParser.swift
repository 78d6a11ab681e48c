import Foundation
import NNRegTracking
import OutputMetrics

/// Parses a tracked command's output into metric points on a thread of its own, so that reading
/// and passing the output on never waits for parsing, and hands the points to the run in batches,
/// with the output itself (compressed here when there is a lot of it, so that the thread that
/// writes to the store only writes).
final class OutputParser: @unchecked Sendable {
    /// Output read since the last pass at least this large is compressed on this thread.
    static let compressHere = 256 * 1024

    private let run: TrackedRun
    private let thread = LoopThread()
    private let queue = NSCondition()
    // Guarded by `queue`:
    private var chunks: [(stream: Int, bytes: [UInt8])] = []
    private var isFinishing = false
    private var pointCount = 0

    // Used by the parsing thread only:
    private var extractor: MetricExtractor
    private var splitters: [Int: LineSplitter] = [:]
    private let beforeParsing: @Sendable () -> Void
    private let watcher: (@Sendable ([ParsedPoint]) -> Void)?

    /// `beforeParsing` runs first on the parser's thread (recording the git state, off the
    /// command's start-up path); `watcher` sees each batch of points after they are logged.
    init(
        run: TrackedRun, patterns: [MetricPattern], watcher: (@Sendable ([ParsedPoint]) -> Void)? = nil,
        beforeParsing: @escaping @Sendable () -> Void
    ) {
        self.run = run
        extractor = MetricExtractor(patterns: patterns)
        self.watcher = watcher
        self.beforeParsing = beforeParsing
    }

    func start() {
        thread.start(name: "nnreg-parser") { [self] in loop() }
    }

    func enqueue(stream: Int, _ bytes: UnsafeRawBufferPointer) {
        queue.lock()
        chunks.append((stream, Array(bytes)))
        queue.signal()
        queue.unlock()
    }

    /// Parses what is left (and a last line without a line break), waits for the thread, and
    /// returns the number of points found.
    func finish() -> Int {
        queue.lock()
        isFinishing = true
        queue.signal()
        queue.unlock()
        thread.waitUntilEnded()
        queue.lock()
        defer { queue.unlock() }
        return pointCount
    }

    private func loop() {
        beforeParsing()
        while true {
            queue.lock()
            while chunks.isEmpty, !isFinishing { queue.wait() }
            let batch = chunks
            chunks = []
            let finishing = isFinishing
            queue.unlock()
            var points: [ParsedPoint] = []
            let rawSize = batch.reduce(0) { $0 + $1.bytes.count }
            if rawSize >= Self.compressHere {
                var all: [UInt8] = []
                all.reserveCapacity(rawSize)
                for chunk in batch { all += chunk.bytes }
                run.logCompressedOutput(Store.compressOutput(all), rawSize: rawSize)
            } else {
                for chunk in batch { chunk.bytes.withUnsafeBytes { run.logOutput($0) } }
            }
            for (stream, bytes) in batch {
                var splitter = splitters[stream] ?? LineSplitter()
                bytes.withUnsafeBufferPointer { buffer in
                    splitter.feed(buffer) { extractor.consume($0, into: &points) }
                }
                splitters[stream] = splitter
            }
            if finishing {
                for stream in splitters.keys.sorted() {
                    splitters[stream]!.finish { extractor.consume($0, into: &points) }
                }
            }
            if !points.isEmpty {
                let now = Date()
                run.log(points.map { MetricSample(key: $0.key, step: $0.step, value: $0.value, wallTime: now) })
                watcher?(points)
            }
            queue.lock()
            pointCount += points.count
            queue.unlock()
            if finishing { break }
        }
    }
}
