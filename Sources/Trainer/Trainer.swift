/// Progress of one display step: loss (batch SUM of clipped cross-entropy) and accuracy on that
/// step's batch, recomputed after the step's update.
public struct StepReport: Sendable, Equatable {
    public let step: Int
    public let loss: Float
    public let accuracy: Float

    public init(step: Int, loss: Float, accuracy: Float) {
        self.step = step
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// Receives the progress of `Trainer.train(until:observer:)`.
public protocol TrainingObserver: AnyObject {
    /// After the update at every display step (and only when the loss is finite).
    func trainer(_ trainer: Trainer, didReport report: StepReport) throws
    /// After every step; return false to stop after this step. May call `trainer.serializedState()`.
    func trainer(_ trainer: Trainer, didFinishStep step: Int) throws -> Bool
}

/// Trains the seed network with plain SGD on batches from a tf.data-style shuffle buffer.
///
/// All randomness (initial weights and the buffer's slot choices) comes from one xoshiro256**
/// generator seeded by SplitMix64 from `hyperparameters.seed`. Every sum runs in one fixed order of
/// fused multiply-adds (`Arithmetic.current`, defined in CKernels.h) whichever kernel path runs it;
/// the second core takes one half of each large product or kernel, split at fixed boundaries, so
/// every value is computed the same way whichever thread computes it. So the same seed, settings and
/// data give bit-identical weights on any x86-64 CPU with FMA (and on the reference path anywhere),
/// and a restored state continues exactly as if training had never stopped.
public final class Trainer {
    public let hyperparameters: Hyperparameters
    /// Completed steps.
    public private(set) var step: Int
    let dataset: Dataset
    var generator: Generator
    var buffer: ShuffleBuffer
    let parameters: Parameters
    let workspace: Workspace
    /// The training images' nonzeros, made on the first `train` call.
    private var sparseImages: SparseImages?

    /// A fresh run: weights N(0, initStddev²) in the order W1, W2, W3, biases zero.
    /// Throws `TrainerError.unsupportedKernelPath` when NNREG_ISA names a path this CPU lacks.
    public convenience init(hyperparameters: Hyperparameters, dataset: Dataset) throws {
        _ = try KernelPath.checked()
        try hyperparameters.validate(trainingCount: dataset.train.count)
        var generator = Generator(seed: hyperparameters.seed)
        let h = hyperparameters
        var w1 = [Float](repeating: 0, count: dataset.train.features * h.hidden1)
        var w2 = [Float](repeating: 0, count: h.hidden1 * h.hidden2)
        var w3 = [Float](repeating: 0, count: h.hidden2 * dataset.classes)
        generator.fillNormal(&w1, stddev: h.initStddev)
        generator.fillNormal(&w2, stddev: h.initStddev)
        generator.fillNormal(&w3, stddev: h.initStddev)
        let network = Network(inputs: dataset.train.features, hidden1: h.hidden1, hidden2: h.hidden2, classes: dataset.classes,
                              w1: w1, b1: .init(repeating: 0, count: h.hidden1), w2: w2, b2: .init(repeating: 0, count: h.hidden2),
                              w3: w3, b3: .init(repeating: 0, count: dataset.classes))
        self.init(hyperparameters: h, dataset: dataset, step: 0, generator: generator,
                  buffer: ShuffleBuffer(count: dataset.train.count, capacity: h.shuffleBufferSize), network: network)
    }

    /// Fine-tuning: a fresh run of `hyperparameters` (its generator and data order exactly as a new
    /// run of that seed) that starts from `network`'s weights instead of random ones, at `step`.
    /// Throws `TrainerError.shapeMismatch` when the network does not fit the settings or the data.
    public convenience init(hyperparameters: Hyperparameters, dataset: Dataset, startingFrom network: Network, step: Int = 0) throws {
        let fresh = try Trainer(hyperparameters: hyperparameters, dataset: dataset)
        guard network.inputs == dataset.train.features, network.classes == dataset.classes,
              network.hidden1 == hyperparameters.hidden1, network.hidden2 == hyperparameters.hidden2 else {
            throw TrainerError.shapeMismatch(
                "weights \(network.inputs)-\(network.hidden1)-\(network.hidden2)-\(network.classes) do not fit "
                + "\(dataset.train.features)-\(hyperparameters.hidden1)-\(hyperparameters.hidden2)-\(dataset.classes)")
        }
        self.init(hyperparameters: hyperparameters, dataset: dataset, step: step, generator: fresh.generator,
                  buffer: fresh.buffer, network: network)
    }

    init(hyperparameters: Hyperparameters, dataset: Dataset, step: Int, generator: Generator, buffer: ShuffleBuffer, network: Network) {
        self.hyperparameters = hyperparameters
        self.dataset = dataset
        self.step = step
        self.generator = generator
        self.buffer = buffer
        parameters = Parameters(network)
        workspace = Workspace(capacity: hyperparameters.batchSize, parameters: parameters)
    }

    /// A copy of the current weights.
    public var network: Network { parameters.network }

    /// The kernels this trainer runs: NNREG_ISA's or the fastest, and the same bits whichever it is.
    var kernelPath: KernelPath {
        get { workspace.path }
        set { workspace.path = newValue }
    }

    /// Trains until `step == target` or the observer returns false.
    /// Throws `TrainerError.nonFiniteLoss(step:)` as soon as a batch loss is NaN or infinite; the
    /// update of that step is then not applied.
    public func train(until target: Int, observer: TrainingObserver?) throws {
        let h = hyperparameters
        let rows = h.batchSize
        let ws = workspace
        if step < target, sparseImages == nil { sparseImages = SparseImages(dataset.train) }
        while step < target {
            buffer.fill(ws.indices, count: rows, using: &generator)
            ws.gather(dataset.train, rows: rows, sparse: sparseImages)
            let (loss, _) = parameters.forward(ws, rows: rows, withDelta: true)
            guard loss.isFinite else { throw TrainerError.nonFiniteLoss(step: step + 1) }
            parameters.backward(ws, rows: rows, into: parameters, alpha: -h.learningRate, beta: 1)
            step += 1
            if step % h.displayStep == 0 {
                let (loss, correct) = parameters.forward(ws, rows: rows, withDelta: false)
                guard loss.isFinite else { throw TrainerError.nonFiniteLoss(step: step) }
                try observer?.trainer(self, didReport: StepReport(step: step, loss: Float(loss), accuracy: Float(correct) / Float(rows)))
            }
            if let observer, try !observer.trainer(self, didFinishStep: step) { break }
        }
    }

    /// Loss (batch SUM) and accuracy of the current weights on the training examples at `indices`,
    /// without changing anything. For tests and diagnostics.
    func batchLoss(indices: [Int]) -> (loss: Double, correct: Int) {
        let ws = Workspace(capacity: indices.count, parameters: parameters, path: kernelPath)
        for (r, i) in indices.enumerated() { ws.indices[r] = Int32(i) }
        ws.gather(dataset.train, rows: indices.count)
        return parameters.forward(ws, rows: indices.count, withDelta: false)
    }
}
