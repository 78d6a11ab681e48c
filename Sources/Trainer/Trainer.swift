import CKernels

/// Progress of one display step: loss (batch SUM of clipped cross-entropy, or its mean with
/// `--loss mean`) and accuracy on that step's batch, recomputed after the step's update; with a
/// validation split, its mean loss and accuracy too.
public struct StepReport: Sendable, Equatable {
    public let step: Int
    public let loss: Float
    public let accuracy: Float
    public let validation: Evaluation?
    /// The learning rate of this step's update.
    public let learningRate: Float

    public init(step: Int, loss: Float, accuracy: Float, validation: Evaluation? = nil, learningRate: Float = 0) {
        self.step = step
        self.loss = loss
        self.accuracy = accuracy
        self.validation = validation
        self.learningRate = learningRate
    }
}

/// Receives the progress of `Trainer.train(until:observer:)`.
public protocol TrainingObserver: AnyObject {
    /// After the update at every display step (and only when the loss is finite).
    func trainer(_ trainer: Trainer, didReport report: StepReport) throws
    /// After every step; return false to stop after this step. May call `trainer.serializedState()`.
    func trainer(_ trainer: Trainer, didFinishStep step: Int) throws -> Bool
}

/// Trains a dense network with one of `Optimizer`'s rules on batches from a tf.data-style shuffle
/// buffer. With the default settings this is the seed example exactly.
///
/// All randomness (initial weights and the buffer's slot choices) comes from one xoshiro256**
/// generator seeded by SplitMix64 from `hyperparameters.seed`. Every sum runs in one fixed order of
/// fused multiply-adds (`Arithmetic.current`, defined in CKernels.h) whichever kernel path runs it;
/// the second core takes one half of each large product or kernel, split at fixed boundaries, so
/// every value is computed the same way whichever thread computes it. So the same seed, settings and
/// data give bit-identical weights on any x86-64 CPU with FMA (and on the reference path anywhere),
/// and a restored state (optimizer state included) continues exactly as if training had never stopped.
public final class Trainer {
    public private(set) var hyperparameters: Hyperparameters
    /// Completed steps.
    public private(set) var step: Int
    let dataset: Dataset
    /// The examples trained on (the training split less the validation examples, normalized when asked).
    let training: Split
    let validation: Split?
    var generator: Generator
    var buffer: ShuffleBuffer
    let parameters: Parameters
    let workspace: Workspace
    /// Gradients and optimizer state (velocity or moments) for every optimizer but SGD.
    let gradients: Parameters?
    let moments: [Parameters]
    /// Updates the optimizer has made (Adam's bias correction counts them).
    private(set) var optimizerSteps: Int
    /// The tensors `nn_optimizer_step` updates, listed once.
    private let optimizerLists: (sizes: [Int], weights: [UnsafeMutablePointer<Float>?], gradients: [UnsafeMutablePointer<Float>?],
                                 first: [UnsafeMutablePointer<Float>?]?, second: [UnsafeMutablePointer<Float>?]?)
    /// The training examples' nonzeros, made on the first `train` call.
    private var sparseImages: SparseImages?
    private var validationIndex: SparseImages?
    private var validationWorkspace: Workspace?

    /// A fresh run: every layer's weights drawn from `hyperparameters.initialization` in layer order,
    /// biases zero. Throws `TrainerError.unsupportedKernelPath` when NNREG_ISA names a path this CPU
    /// lacks, and `TrainerError.invalidHyperparameter` for settings that cannot train on this data.
    public convenience init(hyperparameters: Hyperparameters, dataset: Dataset) throws {
        _ = try KernelPath.checked()
        try hyperparameters.validate(trainingCount: dataset.train.count)
        try Self.checkWidth(dataset)
        var generator = Generator(seed: hyperparameters.seed)
        let h = hyperparameters
        let widths = [dataset.train.features] + h.hidden + [dataset.classes]
        var layers: [DenseWeights] = []
        for l in 0..<(widths.count - 1) {
            var w = [Float](repeating: 0, count: widths[l] * widths[l + 1])
            generator.fillNormal(&w, stddev: h.initialization.stddev(fanIn: widths[l], fanOut: widths[l + 1]))
            layers.append(DenseWeights(inputs: widths[l], outputs: widths[l + 1], weights: w, bias: .init(repeating: 0, count: widths[l + 1])))
        }
        let held = dataset.train.holdingOut(h.validation, seed: h.seed)
        let normalization = h.normalize ? Normalization(fitting: held.training) : nil
        let network = Network(layers: layers, activation: h.activation, normalization: normalization, checked: ())
        self.init(hyperparameters: h, dataset: dataset, step: 0, generator: generator,
                  buffer: ShuffleBuffer(count: held.training.count, capacity: h.shuffleBufferSize), network: network,
                  optimizerSteps: 0, held: held)
    }

    /// Fine-tuning: a fresh run of `hyperparameters` (its generator and data order exactly as a new
    /// run of that seed) that starts from `network`'s weights (and normalization) instead of random
    /// ones, at `step`. Throws `TrainerError.shapeMismatch` when the network does not fit the settings
    /// or the data.
    public convenience init(hyperparameters: Hyperparameters, dataset: Dataset, startingFrom network: Network, step: Int = 0) throws {
        var h = hyperparameters
        h.normalize = network.normalization != nil
        let fresh = try Trainer(hyperparameters: h, dataset: dataset)
        guard network.inputs == dataset.train.features, network.classes == dataset.classes,
              network.hidden == h.hidden, network.activation == h.activation else {
            throw TrainerError.shapeMismatch(
                "weights \(network.shape) (\(network.activation.rawValue)) do not fit "
                + "\(([dataset.train.features] + h.hidden + [dataset.classes]).map(String.init).joined(separator: "-")) (\(h.activation.rawValue))")
        }
        self.init(hyperparameters: h, dataset: dataset, step: step, generator: fresh.generator,
                  buffer: fresh.buffer, network: network, optimizerSteps: 0)
    }

    /// `held`: the training split already divided by `holdingOut` (else it is divided here).
    init(hyperparameters: Hyperparameters, dataset: Dataset, step: Int, generator: Generator, buffer: ShuffleBuffer, network: Network,
         optimizerSteps: Int, moments: [[Float]] = [], held: (training: Split, validation: Split?)? = nil) {
        self.hyperparameters = hyperparameters
        self.dataset = dataset
        self.step = step
        self.generator = generator
        self.buffer = buffer
        let (training, validation) = held ?? dataset.train.holdingOut(hyperparameters.validation, seed: hyperparameters.seed)
        self.training = network.normalization.map { $0.apply(to: training) } ?? training
        self.validation = validation.map { split in network.normalization.map { $0.apply(to: split) } ?? split }
        let parameters = Parameters(network)
        self.parameters = parameters
        workspace = Workspace(capacity: hyperparameters.batchSize, parameters: parameters)
        let slots = hyperparameters.optimizer.slots
        gradients = slots > 0 ? Parameters(shapedLike: parameters) : nil
        self.moments = (0..<slots).map { _ in Parameters(shapedLike: parameters) }
        self.optimizerSteps = optimizerSteps
        func pointers(_ p: Parameters?) -> [UnsafeMutablePointer<Float>?]? { p.map { $0.tensors.map(\.pointer) } }
        optimizerLists = (parameters.tensors.map(\.count), pointers(parameters) ?? [], pointers(gradients) ?? [],
                          pointers(self.moments.first), pointers(self.moments.count > 1 ? self.moments[1] : nil))
        if !moments.isEmpty {
            let tensors = self.moments.flatMap(\.tensors)
            precondition(tensors.count == moments.count, "optimizer state: \(moments.count) tensors for \(tensors.count)")
            for (tensor, values) in zip(tensors, moments) {
                values.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
            }
        }
    }

    /// Float features need a sparse copy, whose feature indices have 16 bits.
    static func checkWidth(_ dataset: Dataset) throws {
        if case .floats = dataset.train.values, dataset.train.features > SparseImages.maxFeatures {
            throw TrainerError.invalidHyperparameter(
                name: "data", reason: "examples of \(dataset.train.features) float features are wider than the \(SparseImages.maxFeatures) nnreg trains on")
        }
    }

    /// A copy of the current weights.
    public var network: Network { parameters.network }

    /// The kernels this trainer runs: NNREG_ISA's or the fastest, and the same bits whichever it is.
    var kernelPath: KernelPath {
        get { workspace.path }
        set {
            workspace.path = newValue
            validationWorkspace?.path = newValue
        }
    }

    /// Trains until `step == target` or the observer returns false.
    /// Throws `TrainerError.nonFiniteLoss(step:)` as soon as a batch loss is NaN or infinite; the
    /// update of that step is then not applied.
    public func train(until target: Int, observer: TrainingObserver?) throws {
        let h = hyperparameters
        let rows = h.batchSize
        let ws = workspace
        let scale: Float = h.loss == .mean ? 1 / Float(rows) : 1
        if step < target, sparseImages == nil { sparseImages = SparseImages(training) }
        while step < target {
            buffer.fill(ws.indices, count: rows, using: &generator)
            ws.gather(training, rows: rows, sparse: sparseImages)
            let (loss, _) = parameters.forward(ws, rows: rows, withDelta: true, transposes: gradients == nil)
            guard loss.isFinite else { throw TrainerError.nonFiniteLoss(step: step + 1) }
            let rate = h.learningRate(atStep: step + 1)
            if let gradients {
                parameters.backward(ws, rows: rows, into: gradients, alpha: scale, beta: 0)
                applyOptimizer(gradients: gradients, learningRate: rate)
            } else {
                // SGD is fused into the backward pass: w = (1 − lr λ) w − lr g.
                parameters.backward(ws, rows: rows, into: parameters, alpha: -rate * scale, beta: 1 - rate * h.weightDecay)
            }
            step += 1
            if step % h.displayStep == 0 {
                let (loss, correct) = parameters.forward(ws, rows: rows, withDelta: false)
                guard loss.isFinite else { throw TrainerError.nonFiniteLoss(step: step) }
                try observer?.trainer(self, didReport: StepReport(
                    step: step, loss: Float(loss) * scale, accuracy: Float(correct) / Float(rows),
                    validation: validationFigures(), learningRate: rate))
            }
            if let observer, try !observer.trainer(self, didFinishStep: step) { break }
        }
    }

    private func applyOptimizer(gradients: Parameters, learningRate: Float) {
        let h = hyperparameters
        optimizerSteps += 1
        // 1 − β^t in double, rounded once.
        func correction(_ beta: Float) -> Float { Float(1 - Hyperparameters.power(Double(beta), optimizerSteps)) }
        let lists = optimizerLists
        nn_optimizer_step(workspace.path.isa, Int32(h.optimizer.code), Int32(lists.sizes.count), lists.weights, lists.gradients,
                          lists.first, lists.second, lists.sizes, learningRate, h.momentum, h.beta1, h.beta2, h.epsilon,
                          h.weightDecay, correction(h.beta1), correction(h.beta2))
    }

    /// Mean loss and accuracy of the current weights on the validation examples (nil without them).
    func validationFigures() -> Evaluation? {
        guard let validation else { return nil }
        if validationIndex == nil {
            validationIndex = SparseImages(validation)
            validationWorkspace = Workspace(capacity: min(Network.evaluationChunk, validation.count), parameters: parameters,
                                            withGradients: false, path: kernelPath)
        }
        return Network.evaluate(parameters, validation, sparse: validationIndex, workspace: validationWorkspace!)
    }

    /// Loss (batch SUM) and accuracy of the current weights on the training examples at `indices`,
    /// without changing anything. For tests and diagnostics.
    func batchLoss(indices: [Int]) -> (loss: Double, correct: Int) {
        let ws = Workspace(capacity: indices.count, parameters: parameters, path: kernelPath)
        for (r, i) in indices.enumerated() { ws.indices[r] = Int32(i) }
        ws.gather(training, rows: indices.count, sparse: SparseImages(training))
        return parameters.forward(ws, rows: indices.count, withDelta: false)
    }

    /// Changes the settings a restored trainer continues with (a fork's new learning rate or schedule).
    func adjust(_ change: (inout Hyperparameters) -> Void) {
        change(&hyperparameters)
    }
}
