import Foundation
import Synchronization
import Trainer

/// Gathers concurrent requests into one forward pass per network: the first request waits at most
/// `wait` for others (or until `maxRows` rows are queued), then every queued request of the same
/// weights is scored together on this batcher's own thread, with the kernels training uses. A row's
/// probabilities are the same bits whatever batch it falls into (`Scorer`).
final class Batcher: Sendable {
    private struct Job {
        let model: ServedModel
        let rows: Split
        let done: @Sendable ([Float]) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var rows = 0
        /// The batcher waits for a first job (a new one must wake it), not for a batch to fill.
        var isIdle = true
    }

    let wait: Duration
    let maxRows: Int
    private let queue = Mutex(Queue())
    private let signal = NSCondition()

    init(wait: Duration, maxRows: Int) {
        self.wait = wait
        self.maxRows = maxRows
        let thread = Thread { [self] in self.loop() }
        thread.name = "nnreg-scoring"
        thread.start()
    }

    /// Row-major probabilities of `rows` under `model` (rows × classes).
    func score(_ model: ServedModel, _ rows: Split) async -> [Float] {
        await withCheckedContinuation { continuation in
            submit(model, rows) { continuation.resume(returning: $0) }
        }
    }

    /// Queues `rows`; `done` gets their probabilities on the batcher's thread.
    func submit(_ model: ServedModel, _ rows: Split, done: @escaping @Sendable ([Float]) -> Void) {
        signal.lock()
        // Only a first job or a full batch wakes the batcher; others join the batch it waits on.
        let wakes = queue.withLock {
            $0.jobs.append(Job(model: model, rows: rows, done: done))
            $0.rows += rows.count
            return $0.isIdle || $0.rows >= maxRows
        }
        if wakes { signal.signal() }
        signal.unlock()
    }

    private func loop() {
        var scorers: [String: Scorer] = [:]
        while true {
            signal.lock()
            queue.withLock { $0.isIdle = true }
            while queue.withLock({ $0.jobs.isEmpty }) { signal.wait() }
            queue.withLock { $0.isIdle = false }
            let deadline = Date().addingTimeInterval(Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds))
            while queue.withLock({ $0.rows < maxRows }), Date() < deadline {
                _ = signal.wait(until: deadline)
            }
            let jobs = queue.withLock { queue in
                defer { queue = Queue() }
                return queue.jobs
            }
            signal.unlock()
            run(jobs, scorers: &scorers)
        }
    }

    private func run(_ jobs: [Job], scorers: inout [String: Scorer]) {
        var groups: [String: [Job]] = [:]
        var order: [String] = []
        for job in jobs {
            if groups[job.model.weightsSHA256] == nil { order.append(job.model.weightsSHA256) }
            groups[job.model.weightsSHA256, default: []].append(job)
        }
        for key in order {
            let group = groups[key]!
            let network = group[0].model.network
            let scorer: Scorer
            if let kept = scorers[key] {
                scorer = kept
            } else {
                if scorers.count >= ModelCache.maxNetworks { scorers.removeAll() }
                scorer = Scorer(network, capacity: maxRows)
                scorers[key] = scorer
            }
            let probabilities = scorer.probabilities(Self.joined(group.map(\.rows)))
            let classes = network.classes
            var start = 0
            for job in group {
                let count = job.rows.count * classes
                job.done(Array(probabilities[start..<(start + count)]))
                start += count
            }
        }
    }

    /// The rows of several requests as one split: bytes when all are bytes, else floats (a byte b
    /// becomes Float(b) / 255, the value the network sees either way).
    static func joined(_ splits: [Split]) -> Split {
        if splits.count == 1 { return splits[0] }
        let features = splits[0].features
        let count = splits.reduce(0) { $0 + $1.count }
        let labels = [UInt8](repeating: 0, count: count)
        if splits.allSatisfy({ $0.images != nil }) {
            return Split(count: count, features: features, images: splits.flatMap { $0.images! }, labels: labels)
        }
        var values: [Float] = []
        values.reserveCapacity(count * features)
        for split in splits {
            switch split.values {
            case .floats(let floats): values.append(contentsOf: floats)
            case .bytes(let bytes): values.append(contentsOf: bytes.map { Float($0) / 255 })
            }
        }
        return Split(count: count, features: features, floats: values, labels: labels)
    }
}
