/// What a sampler knows of an earlier trial: its settings and how far it got.
public struct Observation: Sendable, Equatable {
    public let number: Int
    public let assignment: Assignment
    /// The metric at the last step judged (nil: the trial failed or has not reported).
    public let value: Double?
    /// The step of `value`.
    public let step: Int
    /// Whether the trial trained its whole budget.
    public let isComplete: Bool
    /// Whether it is training now (TPE's constant liar counts it with the bad trials).
    public let isRunning: Bool

    public init(number: Int, assignment: Assignment, value: Double?, step: Int, isComplete: Bool, isRunning: Bool = false) {
        self.number = number
        self.assignment = assignment
        self.value = value
        self.step = step
        self.isComplete = isComplete
        self.isRunning = isRunning
    }
}

/// Proposes the settings of trial `number` from the trials before it. The same inputs give the
/// same proposal, on any machine.
public protocol Sampler: Sendable {
    /// How many trials the sampler can propose (nil: no end).
    var capacity: Int? { get }
    func propose(number: Int, history: [Observation]) -> Assignment
}

/// Every combination once, in order (the last parameter fastest); ranges become `points` values
/// spread evenly (on the log scale for log ranges), ends included.
public struct GridSampler: Sampler {
    public let space: SearchSpace
    let axes: [[String]]

    public init(space: SearchSpace, points: Int?) throws(SearchSpaceError) {
        self.space = space
        var axes: [[String]] = []
        for parameter in space.parameters {
            switch parameter.domain {
            case .choice(let values): axes.append(values)
            case .real, .integer:
                guard let points, points >= 1 else { throw .gridNeedsPoints(parameter.name) }
                var values: [String] = []
                for index in 0..<points {
                    let u = points == 1 ? 0.5 : Double(index) / Double(points - 1)
                    let value = Self.endpointValue(parameter.domain, u)
                    if !values.contains(value) { values.append(value) }
                }
                axes.append(values)
            }
        }
        self.axes = axes
    }

    /// A grid point: the range's ends exactly, the rest evenly between.
    private static func endpointValue(_ domain: ParameterDomain, _ u: Double) -> String {
        switch domain {
        case .integer(let low, let high, let isLog):
            let x = isLog ? exp(log(Double(low)) + u * (log(Double(high)) - log(Double(low)))) : Double(low) + u * Double(high - low)
            return String(Int(x.rounded()))
        default: return domain.value(atUnit: u)
        }
    }

    public var capacity: Int? { axes.reduce(1) { $0 * $1.count } }

    public func propose(number: Int, history: [Observation]) -> Assignment {
        var remainder = number % (capacity ?? 1)
        var assignment: Assignment = [:]
        for (parameter, values) in zip(space.parameters, axes).reversed() {
            assignment[parameter.name] = values[remainder % values.count]
            remainder /= values.count
        }
        return assignment
    }
}

/// Each value drawn uniformly (a range on its log scale when it is one), from trial `number`'s own stream.
public struct RandomSampler: Sampler {
    public let space: SearchSpace
    public let seed: UInt64

    public init(space: SearchSpace, seed: UInt64) {
        self.space = space
        self.seed = seed
    }

    public var capacity: Int? { nil }

    public func propose(number: Int, history: [Observation]) -> Assignment {
        var generator = SplitMix64(seed: seed, stream: number)
        return Self.draw(space, using: &generator)
    }

    static func draw(_ space: SearchSpace, using generator: inout SplitMix64) -> Assignment {
        var assignment: Assignment = [:]
        for parameter in space.parameters {
            assignment[parameter.name] = parameter.domain.value(atUnit: generator.unit())
        }
        return assignment
    }
}

import Foundation
