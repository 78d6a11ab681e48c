import Foundation

/// The Tree-structured Parzen Estimator (Bergstra et al. 2011), multivariate with a constant liar
/// as Optuna 5's `TPESampler` does it by default: after `startupTrials` random trials, the trials
/// so far are split into the best γ(n) = min(⌈n/10⌉, 25) and the rest, with the trials running
/// now counted among the rest (so that two workers do not propose the same region at once). A
/// density over the whole space is fitted to each side, l to the good and g to the rest: one
/// kernel per trial, the product of a truncated Gaussian per numeric parameter and a categorical
/// per list, plus a prior kernel; so settings that are good together (a learning rate for an
/// optimizer) stay together. `candidates` points are drawn from l, and the one with the largest
/// l/g is proposed. Trials that trained their whole budget rank before pruned ones, pruned ones by
/// how far they got, then by their metric.
public struct TPESampler: Sampler {
    public let space: SearchSpace
    public let seed: UInt64
    public let isMaximizing: Bool
    public var startupTrials = 10
    public var candidates = 24

    public init(space: SearchSpace, seed: UInt64, isMaximizing: Bool) {
        self.space = space
        self.seed = seed
        self.isMaximizing = isMaximizing
    }

    public var capacity: Int? { nil }

    public func propose(number: Int, history: [Observation]) -> Assignment {
        var generator = SplitMix64(seed: seed, stream: number)
        let scored = history.filter { $0.value != nil && !$0.isRunning }
        guard scored.count >= startupTrials else { return RandomSampler.draw(space, using: &generator) }
        let ranked = scored.sorted(by: isBetter)
        let goodCount = max(1, min(Int((Double(ranked.count) / 10).rounded(.up)), 25))
        let good = ParzenEstimator(space: space, observations: ranked.prefix(goodCount).map(\.assignment))
        let bad = ParzenEstimator(
            space: space, observations: ranked.dropFirst(goodCount).map(\.assignment) + history.filter(\.isRunning).map(\.assignment))
        var best: (point: [Double], score: Double)?
        for _ in 0..<candidates {
            let point = good.sample(using: &generator)
            let score = good.logDensity(point) - bad.logDensity(point)
            if best == nil || score > best!.score { best = (point, score) }
        }
        return good.assignment(best!.point)
    }

    /// Complete trials first, then by the step reached, then by the metric (ties: earlier trial).
    func isBetter(_ a: Observation, _ b: Observation) -> Bool {
        if a.isComplete != b.isComplete { return a.isComplete }
        if a.step != b.step { return a.step > b.step }
        let (x, y) = (a.value!, b.value!)
        if x != y { return isMaximizing ? x > y : x < y }
        return a.number < b.number
    }
}

/// A density over a search space: an equal mixture of one kernel per observation and a prior
/// kernel. A point holds, per parameter, a position in [0, 1] (numeric) or a value's index (list).
struct ParzenEstimator {
    enum Axis {
        /// Per kernel: a Gaussian truncated to [0, 1].
        case numeric(means: [Double], deviations: [Double])
        /// Per kernel: the probability of each value.
        case categorical(probabilities: [[Double]])
    }

    let space: SearchSpace
    let axes: [Axis]
    let kernels: Int

    init(space: SearchSpace, observations: [Assignment]) {
        self.space = space
        kernels = observations.count + 1
        axes = space.parameters.map { parameter in
            switch parameter.domain {
            case .choice(let values):
                // Each observation's value gets 1 more than the prior's 1/kernels share; the prior kernel is uniform.
                let floor = 1 / Double(observations.count + 1)
                var rows = observations.map { assignment in
                    let index = assignment[parameter.name].flatMap(values.firstIndex(of:))
                    let row = values.indices.map { floor + ($0 == index ? 1 : 0) }
                    let total = row.reduce(0, +)
                    return row.map { $0 / total }
                }
                rows.append(Array(repeating: 1 / Double(values.count), count: values.count))
                return .categorical(probabilities: rows)
            case .real, .integer:
                let domain = parameter.domain
                let points = observations.map { $0[parameter.name].flatMap(domain.unit(of:)) ?? 0.5 }
                return .numeric(means: points + [0.5], deviations: Self.deviations(points) + [1])
            }
        }
    }

    /// Each point's width: the larger gap to its neighbours (the ends of [0, 1] count as neighbours
    /// except for the outermost points, whose width is their inner gap), kept between
    /// 1/min(100, n + 2) and 1.
    static func deviations(_ points: [Double]) -> [Double] {
        guard !points.isEmpty else { return [] }
        let order = points.indices.sorted { points[$0] < points[$1] }
        let sorted: [Double] = [0] + order.map { points[$0] } + [1]
        var widths: [Double] = (1...points.count).map { (i: Int) -> Double in
            let left: Double = sorted[i] - sorted[i - 1]
            let right: Double = sorted[i + 1] - sorted[i]
            return max(left, right)
        }
        if points.count >= 2 {
            widths[0] = sorted[2] - sorted[1]
            widths[points.count - 1] = sorted[points.count] - sorted[points.count - 1]
        }
        let minimum: Double = 1 / min(100, Double(points.count + 2))
        var result = [Double](repeating: 0, count: points.count)
        for (rank, index) in order.enumerated() { result[index] = min(1, max(minimum, widths[rank])) }
        return result
    }

    func sample(using generator: inout SplitMix64) -> [Double] {
        let kernel = min(kernels - 1, Int(generator.unit() * Double(kernels)))
        return axes.map { axis in
            switch axis {
            case .numeric(let means, let deviations):
                for _ in 0..<100 {
                    let x = means[kernel] + deviations[kernel] * Self.standardNormal(using: &generator)
                    if x >= 0, x <= 1 { return x }
                }
                return min(1, max(0, means[kernel]))
            case .categorical(let probabilities):
                var u = generator.unit()
                for (index, probability) in probabilities[kernel].enumerated() {
                    u -= probability
                    if u < 0 { return Double(index) }
                }
                return Double(probabilities[kernel].count - 1)
            }
        }
    }

    /// log of the mixture's density at `point` (a log-sum-exp over the kernels).
    func logDensity(_ point: [Double]) -> Double {
        var logs = [Double](repeating: 0, count: kernels)
        for (axis, x) in zip(axes, point) {
            switch axis {
            case .numeric(let means, let deviations):
                for k in 0..<kernels {
                    let (mean, deviation) = (means[k], deviations[k])
                    let mass = Self.cdf((1 - mean) / deviation) - Self.cdf((0 - mean) / deviation)
                    let z = (x - mean) / deviation
                    logs[k] += -0.5 * z * z - log(deviation * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
                }
            case .categorical(let probabilities):
                for k in 0..<kernels { logs[k] += log(max(probabilities[k][Int(x)], 1e-300)) }
            }
        }
        let top = logs.max() ?? 0
        return top + log(logs.reduce(0) { $0 + exp($1 - top) } / Double(kernels))
    }

    /// The settings a point stands for.
    func assignment(_ point: [Double]) -> Assignment {
        var assignment: Assignment = [:]
        for (parameter, x) in zip(space.parameters, point) {
            switch parameter.domain {
            case .choice(let values): assignment[parameter.name] = values[Int(x)]
            case .real, .integer: assignment[parameter.name] = parameter.domain.value(atUnit: x)
            }
        }
        return assignment
    }

    static func cdf(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }

    /// Box–Muller, one value per two draws.
    static func standardNormal(using generator: inout SplitMix64) -> Double {
        let u = max(generator.unit(), 1e-300)
        let v = generator.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
