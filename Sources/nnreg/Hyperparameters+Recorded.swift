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
        self.init()
        steps = try int("steps")
        batchSize = try int("batch_size")
        learningRate = try float("learning_rate")
        displayStep = try int("display_step")
        hidden1 = try int("hidden1")
        hidden2 = try int("hidden2")
        seed = UInt64(bitPattern: Int64(try int("seed")))
        shuffleBufferSize = try int("shuffle_buffer")
        initStddev = try float("init_stddev")
    }

    private static func missing(_ key: String, _ run: Run) -> CLIError {
        CLIError("run \(run.name) has no checkpoint and no recorded \(key) to start over from; start a new run with 'nnreg train'")
    }
}
