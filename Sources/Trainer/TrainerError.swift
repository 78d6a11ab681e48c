/// Errors of training, checkpoints and weight blobs.
public enum TrainerError: Error, Equatable, CustomStringConvertible {
    case invalidHyperparameter(name: String, reason: String)
    case corruptState(String)
    case corruptWeights(String)
    case nonFiniteLoss(step: Int)
    /// The state was saved while training on another dataset.
    case datasetMismatch(expected: String, actual: String)
    /// The weights do not fit the dataset (features or classes differ).
    case shapeMismatch(String)
    /// NNREG_ISA names a kernel path this CPU cannot run, or none.
    case unsupportedKernelPath(requested: String, supported: [String])
    /// The state was saved by another arithmetic (`Arithmetic`): continuing it here would not give
    /// the bits it would have had.
    case arithmeticMismatch(checkpoint: Arithmetic, current: Arithmetic)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(name, reason):
            return "invalid hyperparameter \(name): \(reason)"
        case let .corruptState(reason):
            return "the trainer state is corrupt (\(reason)); resume from an earlier checkpoint or start a new run"
        case let .corruptWeights(reason):
            return "the weights blob is corrupt (\(reason)); use another checkpoint or retrain"
        case let .nonFiniteLoss(step):
            return "the loss became NaN or infinite at step \(step); lower the learning rate or change the seed"
        case let .datasetMismatch(expected, actual):
            return "the state was saved for dataset \(expected) but dataset \(actual) was given; pass the run's original data directory"
        case let .shapeMismatch(reason):
            return "the network does not fit the data (\(reason)); evaluate on the dataset it was trained on"
        case let .unsupportedKernelPath(requested, supported):
            return "NNREG_ISA=\(requested) is not a kernel path this CPU runs; use one of \(supported.joined(separator: ", ")) or unset it"
        case let .arithmeticMismatch(checkpoint, current):
            return "the checkpoint was made by arithmetic \(checkpoint) and this nnreg computes \(current), so continuing it would not be bit-exact; "
                + "fine-tune from its weights with 'nnreg resume --fork RUN@STEP --seed S', or train again"
        }
    }
}
