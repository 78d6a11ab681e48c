/// Every setting of a training run. The defaults are the seed example's values.
public struct Hyperparameters: Sendable, Equatable, Codable {
    public var steps = 3000
    public var batchSize = 256
    public var displayStep = 100
    public var hidden1 = 128
    public var hidden2 = 256
    public var learningRate: Float = 0.001
    public var seed: UInt64 = 1
    public var shuffleBufferSize = 5000
    public var initStddev: Float = 0.05

    public init() {}

    /// Largest accepted layer width, batch size and buffer size; keeps allocations bounded when a
    /// value comes from a file or the command line.
    public static let sizeLimit = 1 << 20

    /// Throws `TrainerError.invalidHyperparameter` for the first setting that cannot train.
    public func validate(trainingCount: Int) throws {
        func fail(_ name: String, _ reason: String) -> TrainerError {
            .invalidHyperparameter(name: name, reason: reason)
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw fail("learningRate", "must be a finite number greater than 0 (got \(learningRate))")
        }
        guard initStddev.isFinite, initStddev >= 0 else {
            throw fail("initStddev", "must be a finite number of at least 0 (got \(initStddev))")
        }
        guard steps > 0 else { throw fail("steps", "must be at least 1 (got \(steps))") }
        guard displayStep > 0 else { throw fail("displayStep", "must be at least 1 (got \(displayStep))") }
        guard batchSize > 0 else { throw fail("batchSize", "must be at least 1 (got \(batchSize))") }
        guard batchSize <= trainingCount else {
            throw fail("batchSize", "must not exceed the \(trainingCount) training examples (got \(batchSize))")
        }
        for (name, value) in [("hidden1", hidden1), ("hidden2", hidden2), ("shuffleBufferSize", shuffleBufferSize)] {
            guard value > 0 else { throw fail(name, "must be at least 1 (got \(value))") }
            guard value <= Self.sizeLimit else { throw fail(name, "must be at most \(Self.sizeLimit) (got \(value))") }
        }
        guard batchSize <= Self.sizeLimit else {
            throw fail("batchSize", "must be at most \(Self.sizeLimit) (got \(batchSize))")
        }
    }
}
