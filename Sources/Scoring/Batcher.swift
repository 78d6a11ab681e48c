import NIOCore
import Synchronization
import Trainer

/// Gathers concurrent requests into one forward pass per network, on the event loops themselves:
/// the first request of a batch schedules it on its own event loop `wait` later (at once when
/// `wait` is zero, or when `maxRows` rows are queued), and then every queued request of the same
/// weights is scored together with the kernels training uses. A row's probabilities are the same
/// bits whatever batch it falls into (`Scorer`).
final class Batcher: Sendable {
    private struct Job {
        let model: ServedModel
        let rows: Split
        let done: @Sendable ([Float]) -> Void
    }

    /// A scorer checked out by one batch at a time (two event loops may each run one).
    private final class Lease: @unchecked Sendable {
        let scorer: Scorer
        init(_ scorer: Scorer) { self.scorer = scorer }
    }

    private struct State {
        var jobs: [Job] = []
        var rows = 0
        var isScheduled = false
        var idle: [String: [Lease]] = [:]
    }

    let wait: Duration
    let maxRows: Int
    private let state = Mutex(State())

    init(wait: Duration, maxRows: Int) {
        self.wait = wait
        self.maxRows = maxRows
    }

    /// Queues `rows`; `done` gets their probabilities on the event loop that runs the batch.
    func submit(_ model: ServedModel, _ rows: Split, on loop: any EventLoop, done: @escaping @Sendable ([Float]) -> Void) {
        let (schedules, full) = state.withLock { state -> (Bool, [Job]?) in
            state.jobs.append(Job(model: model, rows: rows, done: done))
            state.rows += rows.count
            if state.rows >= maxRows {
                defer { (state.jobs, state.rows) = ([], 0) }
                return (false, state.jobs)
            }
            guard !state.isScheduled else { return (false, nil) }
            state.isScheduled = true
            return (true, nil)
        }
        if let full { run(full) }
        guard schedules else { return }
        let microseconds = wait.components.seconds * 1_000_000 + wait.components.attoseconds / 1_000_000_000_000
        if microseconds <= 0 {
            loop.execute { self.fire() }
        } else {
            loop.scheduleTask(in: .microseconds(microseconds)) { self.fire() }
        }
    }

    private func fire() {
        let jobs = state.withLock { state in
            defer { (state.jobs, state.rows, state.isScheduled) = ([], 0, false) }
            return state.jobs
        }
        run(jobs)
    }

    private func run(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        var groups: [String: [Job]] = [:]
        var order: [String] = []
        for job in jobs {
            if groups[job.model.weightsSHA256] == nil { order.append(job.model.weightsSHA256) }
            groups[job.model.weightsSHA256, default: []].append(job)
        }
        for key in order {
            let group = groups[key]!
            let network = group[0].model.network
            let lease = state.withLock { $0.idle[key]?.popLast() } ?? Lease(Scorer(network, capacity: maxRows))
            let probabilities = lease.scorer.probabilities(Self.joined(group.map(\.rows)))
            state.withLock { state in
                if state.idle[key] == nil, state.idle.count >= ModelCache.maxNetworks { state.idle.removeAll() }
                state.idle[key, default: []].append(lease)
            }
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
