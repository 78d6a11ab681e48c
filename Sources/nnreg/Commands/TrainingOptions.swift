import ArgumentParser
import Trainer

/// The network, optimizer, schedule and data options of `train` (and what a sweep searches over).
struct TrainingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Hidden layer widths, comma-separated; 0 to 8 layers (none: \"\").", valueName: "w1,w2,…"))
    var hidden: String = "128,256"
    @Option(help: ArgumentHelp("Neurons in the first hidden layer (the same as --hidden N,M).", visibility: .hidden))
    var hidden1: Int?
    @Option(help: ArgumentHelp("Neurons in the second hidden layer (the same as --hidden N,M).", visibility: .hidden))
    var hidden2: Int?
    @Option(help: "Hidden activation: sigmoid, relu, tanh or gelu.") var activation: String = "sigmoid"
    @Option(name: .customLong("init"), help: ArgumentHelp("Initial weights: normal:STDDEV, he or glorot.", valueName: "scheme"))
    var initialization: String = "normal:0.05"
    @Option(help: "Update rule: sgd, momentum, nesterov, adam or adamw.") var optimizer: String = "sgd"
    @Option(help: "Momentum of momentum and nesterov.") var momentum: Float = 0.9
    @Option(help: "Adam's first-moment decay.") var beta1: Float = 0.9
    @Option(help: "Adam's second-moment decay.") var beta2: Float = 0.999
    @Option(help: "Adam's epsilon.") var epsilon: Float = 1e-8
    @Option(help: "Weight decay (L2; decoupled for adamw).") var weightDecay: Float = 0
    @Option(help: ArgumentHelp("Learning-rate schedule: constant, step:N:GAMMA or cosine.", valueName: "schedule"))
    var lrSchedule: String = "constant"
    @Option(help: "Steps of linear learning-rate warmup.") var warmup = 0
    @Option(help: "Batch loss: sum (the seed's) or mean.") var loss: String = "sum"
    @Option(help: "Training examples held out (chosen from the seed) for val_loss and val_accuracy.") var validation = 0
    @Flag(help: "Standardize every feature with the training split's mean and deviation (kept with the model).")
    var normalize = false

    func validate() throws {
        _ = try parsedHidden()
        guard Activation(rawValue: activation) != nil else {
            throw ValidationError("--activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(activation)').")
        }
        guard Initialization(initialization) != nil else {
            throw ValidationError("--init must be normal:STDDEV (STDDEV ≥ 0), he or glorot (got '\(initialization)').")
        }
        guard Optimizer(rawValue: optimizer) != nil else {
            throw ValidationError("--optimizer must be one of \(Optimizer.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(optimizer)').")
        }
        guard LearningRateSchedule(lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be constant, step:N:GAMMA (N ≥ 1, GAMMA > 0) or cosine (got '\(lrSchedule)').")
        }
        guard LossReduction(rawValue: loss) != nil else { throw ValidationError("--loss must be sum or mean (got '\(loss)').") }
        for (name, value) in [("--momentum", momentum), ("--beta1", beta1), ("--beta2", beta2)] where !(value >= 0 && value < 1) {
            throw ValidationError("\(name) must be in [0, 1) (got \(value)).")
        }
        guard epsilon.isFinite, epsilon > 0 else { throw ValidationError("--epsilon must be a finite number above 0 (got \(epsilon)).") }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw ValidationError("--weight-decay must be 0 or more (got \(weightDecay)).") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more (got \(warmup)).") }
        guard validation >= 0 else { throw ValidationError("--validation must be 0 or more (got \(validation)).") }
    }

    func parsedHidden() throws -> [Int] {
        var widths: [Int]
        if hidden.trimmingCharacters(in: .whitespaces).isEmpty || hidden == "0" {
            widths = []
        } else {
            let parts = hidden.split(separator: ",", omittingEmptySubsequences: false)
            let parsed = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("--hidden must be widths of at least 1 separated by commas, like 128,256 (got '\(hidden)').")
            }
            widths = parsed.map { $0! }
        }
        if hidden1 != nil || hidden2 != nil {
            guard widths.count == 2 else { throw ValidationError("--hidden1 and --hidden2 need two hidden layers; use --hidden instead.") }
            widths = [hidden1 ?? widths[0], hidden2 ?? widths[1]]
            guard widths.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--hidden1 and --hidden2 must be at least 1.") }
        }
        guard widths.count <= Network.maxHiddenLayers else {
            throw ValidationError("--hidden names \(widths.count) layers; nnreg trains 0 to \(Network.maxHiddenLayers) hidden layers.")
        }
        return widths
    }

    /// These options' settings written into `h` (after `validate()`).
    func apply(to h: inout Hyperparameters) throws {
        h.hidden = try parsedHidden()
        h.activation = Activation(rawValue: activation)!
        h.initialization = Initialization(initialization)!
        h.optimizer = Optimizer(rawValue: optimizer)!
        h.momentum = momentum
        h.beta1 = beta1
        h.beta2 = beta2
        h.epsilon = epsilon
        h.weightDecay = weightDecay
        h.schedule = LearningRateSchedule(lrSchedule)!
        h.warmup = warmup
        h.loss = LossReduction(rawValue: loss)!
        h.validation = validation
        h.normalize = normalize
    }
}
