import Foundation

/// How a sweep proposes trials.
public enum SearchMethod: String, Sendable, Codable, CaseIterable {
    case grid, random, tpe
}

/// Everything that defines a sweep, stored with it so that workers joining later (`--join`, other
/// hosts) and `sweep resume` run exactly the same search.
public struct SweepSpec: Sendable, Equatable, Codable {
    public var space: SearchSpace
    public var method: SearchMethod
    /// Trials to run (a grid: at most its size).
    public var trials: Int
    public var metric: String
    public var isMaximizing: Bool
    public var pruning: PruningMethod
    public var eta: Int
    public var minSteps: Int?
    /// A trial's whole budget in steps (`nnreg train --steps`; an outside program's steps).
    public var steps: Int
    public var displayStep: Int
    public var seed: UInt64
    public var gridPoints: Int?
    /// The `nnreg train` options every trial shares (before its own).
    public var trainArguments: [String]
    /// An outside program instead of nnreg's trainer, with `{name}` where a parameter's value goes.
    public var command: [String]?

    public init(
        space: SearchSpace, method: SearchMethod, trials: Int, metric: String, isMaximizing: Bool, pruning: PruningMethod,
        eta: Int, minSteps: Int?, steps: Int, displayStep: Int, seed: UInt64, gridPoints: Int?, trainArguments: [String],
        command: [String]?
    ) {
        self.space = space
        self.method = method
        self.trials = trials
        self.metric = metric
        self.isMaximizing = isMaximizing
        self.pruning = pruning
        self.eta = eta
        self.minSteps = minSteps
        self.steps = steps
        self.displayStep = displayStep
        self.seed = seed
        self.gridPoints = gridPoints
        self.trainArguments = trainArguments
        self.command = command
    }

    public func sampler() throws(SearchSpaceError) -> any Sampler {
        switch method {
        case .grid: return try GridSampler(space: space, points: gridPoints)
        case .random: return RandomSampler(space: space, seed: seed)
        case .tpe: return TPESampler(space: space, seed: seed, isMaximizing: isMaximizing)
        }
    }

    public var pruner: Pruner {
        Pruner(method: pruning, isMaximizing: isMaximizing, budget: steps, displayStep: displayStep, eta: eta, minSteps: minSteps,
               canResume: command == nil, trialCount: min(trials, (try? sampler())?.capacity ?? trials))
    }

    public func scheduler() throws(SearchSpaceError) -> Scheduler {
        Scheduler(sampler: try sampler(), pruner: pruner, trialLimit: trials)
    }

    /// The JSON the Store keeps.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) throws -> SweepSpec {
        try JSONDecoder().decode(SweepSpec.self, from: Data(json.utf8))
    }

    /// The option arguments of one trial: `--NAME VALUE` for each parameter, in the space's order.
    public func optionArguments(_ assignment: Assignment) -> [String] {
        space.parameters.flatMap { parameter in
            ["--\(Self.optionName(parameter.name))", assignment[parameter.name] ?? ""]
        }
    }

    /// A parameter's `nnreg train` option: its name, with `lr` for `learning-rate`.
    public static func optionName(_ parameter: String) -> String {
        parameter == "lr" ? "learning-rate" : parameter
    }

    /// The outside command of one trial, each `{name}` replaced by the parameter's value.
    public func command(for assignment: Assignment) -> [String]? {
        command.map { words in
            words.map { word in
                var word = word
                for (name, value) in assignment { word = word.replacingOccurrences(of: "{\(name)}", with: value) }
                return word
            }
        }
    }
}
