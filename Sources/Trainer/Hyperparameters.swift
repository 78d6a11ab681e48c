import CKernels

/// How the initial weights are drawn (biases start at zero).
public enum Initialization: Sendable, Equatable, Codable, CustomStringConvertible {
    /// N(0, stddev²) for every weight: the seed's `normal:0.05`.
    case normal(stddev: Float)
    /// N(0, 2 / fan_in) (He et al.), for ReLU and GELU.
    case he
    /// N(0, 2 / (fan_in + fan_out)) (Glorot and Bengio), for sigmoid and tanh.
    case glorot

    /// "normal:0.05", "he", "glorot"; nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "he": self = .he
        case "glorot": self = .glorot
        default:
            guard text.hasPrefix("normal:"), let stddev = Float(text.dropFirst(7)), stddev.isFinite, stddev >= 0 else { return nil }
            self = .normal(stddev: stddev)
        }
    }

    public var description: String {
        switch self {
        case .normal(let stddev): "normal:\(stddev)"
        case .he: "he"
        case .glorot: "glorot"
        }
    }

    var code: UInt32 {
        switch self {
        case .normal: 0
        case .he: 1
        case .glorot: 2
        }
    }

    /// The standard deviation of a layer's weights.
    func stddev(fanIn: Int, fanOut: Int) -> Float {
        switch self {
        case .normal(let stddev): stddev
        case .he: (Float(2) / Float(fanIn)).squareRoot()
        case .glorot: (Float(2) / Float(fanIn + fanOut)).squareRoot()
        }
    }
}

/// The update rule. Every one adds `weightDecay × w` to the gradient first (L2), except AdamW,
/// which decays the weights directly (decoupled).
public enum Optimizer: String, Sendable, Equatable, Codable, CaseIterable {
    /// w −= lr (g + λw): the seed's plain SGD when λ = 0.
    case sgd
    /// v = μv + g; w −= lr v.
    case momentum
    /// v = μv + g; w −= lr (g + μv).
    case nesterov
    /// Adam (Kingma and Ba) with bias correction.
    case adam
    /// Adam with decoupled weight decay: w −= lr (m̂ / (√v̂ + ε) + λw).
    case adamw

    var code: UInt32 { UInt32(Self.allCases.firstIndex(of: self)!) }
    /// Tensors of state per weight tensor: velocity, or first and second moments.
    var slots: Int {
        switch self {
        case .sgd: 0
        case .momentum, .nesterov: 1
        case .adam, .adamw: 2
        }
    }
}

/// How the learning rate changes over the steps (after an optional linear warmup).
public enum LearningRateSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    case constant
    /// Multiplied by `gamma` every `every` steps.
    case step(every: Int, gamma: Float)
    /// Half a cosine from the learning rate down to 0 at the run's last step.
    case cosine

    /// "constant", "step:N:GAMMA", "cosine"; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "cosine" where parts.count == 1: self = .cosine
        case "step" where parts.count == 3:
            guard let every = Int(parts[1]), every > 0, let gamma = Float(parts[2]), gamma.isFinite, gamma > 0 else { return nil }
            self = .step(every: every, gamma: gamma)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .constant: "constant"
        case .step(let every, let gamma): "step:\(every):\(gamma)"
        case .cosine: "cosine"
        }
    }
}

/// How a batch's losses are combined: the seed's sum, or the mean (gradients divided by the batch size).
public enum LossReduction: String, Sendable, Equatable, Codable, CaseIterable {
    case sum, mean
}

/// Every setting of a training run. The defaults are the seed example's values.
public struct Hyperparameters: Sendable, Equatable, Codable {
    public var steps = 3000
    public var batchSize = 256
    public var displayStep = 100
    /// The hidden layers' widths, 0 to `Network.maxHiddenLayers` of them.
    public var hidden = [128, 256]
    public var activation = Activation.sigmoid
    public var learningRate: Float = 0.001
    public var seed: UInt64 = 1
    public var shuffleBufferSize = 5000
    public var initialization = Initialization.normal(stddev: 0.05)
    public var optimizer = Optimizer.sgd
    /// μ of momentum and Nesterov.
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0
    public var schedule = LearningRateSchedule.constant
    /// Steps of linear warmup from lr / warmup to lr.
    public var warmup = 0
    public var loss = LossReduction.sum
    /// Training examples held out (chosen from the seed) to report val_loss and val_accuracy.
    public var validation = 0
    /// Standardize every feature with the training examples' mean and standard deviation (kept in
    /// the weights, so evaluation, prediction and export apply them too).
    public var normalize = false

    public init() {}

    /// Largest accepted layer width, batch size and buffer size; keeps allocations bounded when a
    /// value comes from a file or the command line.
    public static let sizeLimit = 1 << 20

    /// Whether these settings train exactly what the seed's trainer (state versions 1 to 3) could.
    var isSeedShaped: Bool {
        hidden.count == 2 && activation == .sigmoid && optimizer == .sgd && weightDecay == 0 && schedule == .constant
            && warmup == 0 && loss == .sum && validation == 0 && !normalize && { if case .normal = initialization { true } else { false } }()
    }

    /// The learning rate of the update that completes step `step` (1-based): the schedule's factor
    /// in double with nnreg's own cosine (the same bits everywhere), rounded once to Float.
    public func learningRate(atStep step: Int) -> Float {
        let rate = Double(learningRate)
        if warmup > 0, step <= warmup { return Float(rate * Double(step) / Double(warmup)) }
        let done = Double(step - 1 - warmup), span = Double(max(steps - warmup, 1))
        switch schedule {
        case .constant:
            return learningRate
        case .step(let every, let gamma):
            return Float(rate * Self.power(Double(gamma), (step - 1 - warmup) / every))
        case .cosine:
            let progress = min(done / span, 1)
            return Float(rate * 0.5 * (1 + nn_cos_turns(progress / 2)))
        }
    }

    /// base^k by squaring: a fixed sequence of double multiplications (libm's pow may differ in its last
    /// bits between C libraries).
    static func power(_ base: Double, _ k: Int) -> Double {
        var (k, base, result) = (k, base, 1.0)
        while k > 0 {
            if k & 1 == 1 { result *= base }
            base *= base
            k >>= 1
        }
        return result
    }

    /// Throws `TrainerError.invalidHyperparameter` for the first setting that cannot train.
    public func validate(trainingCount: Int) throws {
        func fail(_ name: String, _ reason: String) -> TrainerError {
            .invalidHyperparameter(name: name, reason: reason)
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw fail("learningRate", "must be a finite number greater than 0 (got \(learningRate))")
        }
        if case .normal(let stddev) = initialization, !(stddev.isFinite && stddev >= 0) {
            throw fail("init", "the normal's standard deviation must be a finite number of at least 0 (got \(stddev))")
        }
        guard steps > 0 else { throw fail("steps", "must be at least 1 (got \(steps))") }
        guard displayStep > 0 else { throw fail("displayStep", "must be at least 1 (got \(displayStep))") }
        guard batchSize > 0 else { throw fail("batchSize", "must be at least 1 (got \(batchSize))") }
        guard hidden.count <= Network.maxHiddenLayers else {
            throw fail("hidden", "at most \(Network.maxHiddenLayers) hidden layers (got \(hidden.count))")
        }
        for (name, value) in hidden.enumerated().map({ ("hidden layer \($0.offset + 1)", $0.element) }) + [("shuffleBufferSize", shuffleBufferSize)] {
            guard value > 0 else { throw fail(name, "must be at least 1 (got \(value))") }
            guard value <= Self.sizeLimit else { throw fail(name, "must be at most \(Self.sizeLimit) (got \(value))") }
        }
        guard batchSize <= Self.sizeLimit else {
            throw fail("batchSize", "must be at most \(Self.sizeLimit) (got \(batchSize))")
        }
        guard validation >= 0, validation < trainingCount else {
            throw fail("validation", "must be 0 or more and leave training examples (got \(validation) of \(trainingCount))")
        }
        guard batchSize <= trainingCount - validation else {
            throw fail("batchSize", "must not exceed the \(trainingCount - validation) training examples (got \(batchSize))")
        }
        for (name, value, range) in [("momentum", momentum, 0..<Float(1)), ("beta1", beta1, 0..<1), ("beta2", beta2, 0..<1)] {
            guard range.contains(value) else { throw fail(name, "must be in [0, 1) (got \(value))") }
        }
        guard epsilon.isFinite, epsilon > 0 else { throw fail("epsilon", "must be a finite number above 0 (got \(epsilon))") }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw fail("weightDecay", "must be a finite number of at least 0 (got \(weightDecay))")
        }
        guard warmup >= 0 else { throw fail("warmup", "must be 0 or more (got \(warmup))") }
        if case .step(let every, let gamma) = schedule, !(every > 0 && gamma.isFinite && gamma > 0) {
            throw fail("schedule", "step:N:GAMMA needs N ≥ 1 and GAMMA > 0 (got \(schedule))")
        }
    }
}
