import Store
import Trainer

extension Hyperparameters {
    /// The settings a run was started with, rebuilt from its recorded params (the inverse of
    /// `params(checkpointEvery:)`), so a run that died before its first checkpoint can start over
    /// with the same seed and produce the same weights.
    init(recorded params: [String: ParamValue], of run: Run) throws {
        func int(_ key: String) throws -> Int {
            guard case .int(let value) = params[key] else { throw Self.missing(key, run) }
            return Int(value)
        }
        // Decimal params were stored as the text a person typed, so parse that text again
        // rather than rounding the Double to a Float.
        func float(_ key: String) throws -> Float {
            switch params[key] {
            case .real(let value): return Float("\(value)") ?? Float(value)
            case .int(let value): return Float(value)
            default: throw Self.missing(key, run)
            }
        }
        func text(_ key: String) -> String? {
            if case .text(let value) = params[key] { return value }
            return nil
        }
        // Runs made before a setting existed recorded nothing for it: they ran its default.
        func parsed<T>(_ key: String, _ parse: (String) -> T?, default value: T) throws -> T {
            guard let recorded = text(key) else { return value }
            guard let result = parse(recorded) else { throw CLIError("run \(run.name) recorded \(key) '\(recorded)', which this nnreg does not know") }
            return result
        }
        self.init()
        steps = try int("steps")
        batchSize = try int("batch_size")
        learningRate = try float("learning_rate")
        displayStep = try int("display_step")
        if let widths = text("hidden") {
            hidden = widths.isEmpty ? [] : widths.split(separator: ",").compactMap { Int($0) }
        } else {
            hidden = [try int("hidden1"), try int("hidden2")]
        }
        seed = UInt64(bitPattern: Int64(try int("seed")))
        shuffleBufferSize = try int("shuffle_buffer")
        initialization = params["init"] == nil ? .normal(stddev: try float("init_stddev")) : try parsed("init", Initialization.init, default: initialization)
        activation = try parsed("activation", Activation.init(rawValue:), default: .sigmoid)
        optimizer = try parsed("optimizer", Optimizer.init(rawValue:), default: .sgd)
        schedule = try parsed("lr_schedule", LearningRateSchedule.init, default: .constant)
        loss = try parsed("loss", LossReduction.init(rawValue:), default: .sum)
        if params["momentum"] != nil { momentum = try float("momentum") }
        if params["beta1"] != nil { beta1 = try float("beta1") }
        if params["beta2"] != nil { beta2 = try float("beta2") }
        if params["epsilon"] != nil { epsilon = try float("epsilon") }
        if params["weight_decay"] != nil { weightDecay = try float("weight_decay") }
        if params["warmup"] != nil { warmup = try int("warmup") }
        if params["validation"] != nil { validation = try int("validation") }
        if params["normalize"] != nil { normalize = try int("normalize") != 0 }
    }

    private static func missing(_ key: String, _ run: Run) -> CLIError {
        CLIError("run \(run.name) has no checkpoint and no recorded \(key) to start over from; start a new run with 'nnreg train'")
    }
}
