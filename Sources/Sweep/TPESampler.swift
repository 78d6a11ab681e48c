import Foundation

/// The Tree-structured Parzen Estimator (Bergstra et al. 2011; as Optuna's `TPESampler` does it,
/// univariate): after `startupTrials` random trials, the trials so far are split into the best
/// γ(n) = min(⌈n/10⌉, 25) and the rest; for each parameter a Parzen density l is fitted to the
/// good values and g to the others (each with a prior over the whole range), `candidates` values
/// are drawn from l, and the one with the largest l/g is proposed. Trials that trained their whole
/// budget rank before pruned ones, pruned ones by how far they got, then by their metric.
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
        let scored = history.filter { $0.value != nil }
        guard scored.count >= startupTrials else { return RandomSampler.draw(space, using: &generator) }
        let ranked = scored.sorted(by: isBetter)
        let goodCount = max(1, min(Int((Double(ranked.count) / 10).rounded(.up)), 25))
        let good = ranked.prefix(goodCount)
        let bad = ranked.dropFirst(goodCount)
        var assignment: Assignment = [:]
        for parameter in space.parameters {
            let domain = parameter.domain
            switch domain {
            case .choice(let values):
                let l = CategoricalDensity(values: values, observed: good.compactMap { $0.assignment[parameter.name] })
                let g = CategoricalDensity(values: values, observed: bad.compactMap { $0.assignment[parameter.name] })
                var best = (index: 0, score: -Double.infinity)
                for _ in 0..<candidates {
                    let index = l.sample(using: &generator)
                    let score = log(l.probabilities[index]) - log(g.probabilities[index])
                    if score > best.score { best = (index, score) }
                }
                assignment[parameter.name] = values[best.index]
            case .real, .integer:
                let l = ParzenDensity(points: good.compactMap { $0.assignment[parameter.name].flatMap(domain.unit(of:)) })
                let g = ParzenDensity(points: bad.compactMap { $0.assignment[parameter.name].flatMap(domain.unit(of:)) })
                var best = (unit: 0.5, score: -Double.infinity)
                for _ in 0..<candidates {
                    let x = l.sample(using: &generator)
                    let score = l.logDensity(x) - g.logDensity(x)
                    if score > best.score { best = (x, score) }
                }
                assignment[parameter.name] = domain.value(atUnit: best.unit)
            }
        }
        return assignment
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

/// A mixture of Gaussians truncated to [0, 1], one at each observed point and one wide prior at
/// the middle, each point's width the larger gap to its neighbours (the ends count as
/// neighbours), kept between 1/min(100, n + 1) and 1.
struct ParzenDensity {
    let means: [Double]
    let deviations: [Double]

    init(points: [Double]) {
        var means = points + [0.5]
        means.sort()
        let minimum = 1 / Double(min(100, points.count + 1))
        var deviations: [Double] = []
        for (index, mean) in means.enumerated() {
            let left = mean - (index > 0 ? means[index - 1] : 0)
            let right = (index + 1 < means.count ? means[index + 1] : 1) - mean
            deviations.append(min(1, max(minimum, max(left, right))))
        }
        // The prior keeps its full width wherever it sorted to.
        if let prior = means.firstIndex(of: 0.5), !points.contains(0.5) { deviations[prior] = 1 }
        self.means = means
        self.deviations = deviations
    }

    func sample(using generator: inout SplitMix64) -> Double {
        let component = min(means.count - 1, Int(generator.unit() * Double(means.count)))
        for _ in 0..<100 {
            let x = means[component] + deviations[component] * Self.standardNormal(using: &generator)
            if x >= 0, x <= 1 { return x }
        }
        return min(1, max(0, means[component]))
    }

    func logDensity(_ x: Double) -> Double {
        var total = 0.0
        for (mean, deviation) in zip(means, deviations) {
            let mass = Self.cdf((1 - mean) / deviation) - Self.cdf((0 - mean) / deviation)
            let z = (x - mean) / deviation
            total += exp(-0.5 * z * z) / (deviation * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
        }
        return log(max(total / Double(means.count), 1e-300))
    }

    static func cdf(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }

    /// Box–Muller, one value per two draws.
    static func standardNormal(using generator: inout SplitMix64) -> Double {
        let u = max(generator.unit(), 1e-300)
        let v = generator.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// Each value's share of the observed ones, with a prior of one observation spread evenly.
struct CategoricalDensity {
    let probabilities: [Double]

    init(values: [String], observed: [String]) {
        let prior = 1 / Double(values.count)
        let counts = values.map { value in Double(observed.count { $0 == value }) + prior }
        let total = counts.reduce(0, +)
        probabilities = counts.map { $0 / total }
    }

    func sample(using generator: inout SplitMix64) -> Int {
        var u = generator.unit()
        for (index, probability) in probabilities.enumerated() {
            u -= probability
            if u < 0 { return index }
        }
        return probabilities.count - 1
    }
}
