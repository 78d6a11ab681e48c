import CZlib
import Crypto

extension Trainer {
    static let stateMagic = Array("NNRGTRST".utf8)
    /// 1 carried the weights blob inside the state; 2 carries the weights' SHA-256 instead, so a
    /// checkpoint stores its weights once (the store keeps them as their own blob); 3 adds the
    /// arithmetic that computed the weights (1 and 2 were all made by OpenBLAS's, `Arithmetic.openBLAS`);
    /// 4 holds every setting of `Hyperparameters` (any depth, activation, optimizer, schedule,
    /// validation split) and the optimizer's state.
    static let stateVersion: UInt32 = 4

    /// Everything but the weights needed to continue training exactly: "NNRGTRST", UInt32 version 4,
    /// UInt32 arithmetic (`Arithmetic.rawValue`), the hyperparameters (see `write(_:to:)`), step,
    /// dataset SHA-256, training-set size, generator state, shuffle-buffer cursor and slots, the
    /// optimizer's update count and state tensors (velocity, or first then second moments, each as
    /// W1, b1, W2, …), the SHA-256 of the weights blob (`network.serialized()`) it goes with, and a
    /// CRC-32 of everything before it. All integers little-endian. Restore with
    /// `init(restoring:weights:dataset:)`.
    public func serializedState() -> [UInt8] {
        var w = ByteWriter()
        w.write(raw: Self.stateMagic)
        w.write(Self.stateVersion)
        w.write(Arithmetic.current.rawValue)
        Self.write(hyperparameters, to: &w)
        w.write(step)
        let sha = Array(dataset.identity.sha256.utf8)
        w.write(UInt32(sha.count)); w.write(raw: sha)
        w.write(dataset.train.count)
        let g = generator.state
        w.write(g.0); w.write(g.1); w.write(g.2); w.write(g.3)
        w.write(buffer.cursor)
        w.write(UInt32(buffer.slots.count))
        for s in buffer.slots { w.write(s) }
        w.write(optimizerSteps)
        for moment in moments {
            for tensor in moment.tensors { w.write(Array(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count))) }
        }
        let weightsSHA256 = Array(Self.sha256Hex(parameters.network.serialized()).utf8)
        w.write(UInt32(weightsSHA256.count)); w.write(raw: weightsSHA256)
        w.write(Self.crc(w.bytes))
        return w.bytes
    }

    /// Version 4's settings: Int64 steps, batch size, display step; UInt32 hidden count and each
    /// width; UInt32 activation; Float learning rate; UInt64 seed; Int64 shuffle buffer; UInt32
    /// initialization and Float its standard deviation; UInt32 optimizer; Float momentum, beta1,
    /// beta2, epsilon, weight decay; UInt32 schedule, Int64 its step interval, Float its gamma; Int64
    /// warmup; UInt32 loss reduction; Int64 validation; UInt32 normalize.
    static func write(_ h: Hyperparameters, to w: inout ByteWriter) {
        w.write(h.steps); w.write(h.batchSize); w.write(h.displayStep)
        w.write(UInt32(h.hidden.count))
        for width in h.hidden { w.write(UInt32(width)) }
        w.write(h.activation.code)
        w.write(h.learningRate); w.write(h.seed); w.write(h.shuffleBufferSize)
        w.write(h.initialization.code)
        if case .normal(let stddev) = h.initialization { w.write(stddev) } else { w.write(Float(0)) }
        w.write(h.optimizer.code)
        w.write(h.momentum); w.write(h.beta1); w.write(h.beta2); w.write(h.epsilon); w.write(h.weightDecay)
        switch h.schedule {
        case .constant: w.write(UInt32(0)); w.write(0); w.write(Float(0))
        case .step(let every, let gamma): w.write(UInt32(1)); w.write(every); w.write(gamma)
        case .cosine: w.write(UInt32(2)); w.write(0); w.write(Float(0))
        }
        w.write(h.warmup)
        w.write(UInt32(LossReduction.allCases.firstIndex(of: h.loss)!))
        w.write(h.validation)
        w.write(UInt32(h.normalize ? 1 : 0))
    }

    static func readHyperparameters(_ r: inout ByteReader) throws -> Hyperparameters {
        var h = Hyperparameters()
        let limit = Int(Int64.max)
        h.steps = try r.readCount("steps", limit: limit)
        h.batchSize = try r.readCount("batchSize", limit: Hyperparameters.sizeLimit)
        h.displayStep = try r.readCount("displayStep", limit: limit)
        let hiddenCount = Int(try r.read(UInt32.self, "hidden count"))
        guard hiddenCount <= Network.maxHiddenLayers else { throw ByteReader.Failure(reason: "\(hiddenCount) hidden layers") }
        h.hidden = try (0..<hiddenCount).map { _ in Int(try r.read(UInt32.self, "hidden width")) }
        let activation = try r.read(UInt32.self, "activation")
        guard let decoded = Activation(code: activation) else { throw ByteReader.Failure(reason: "unknown activation \(activation)") }
        h.activation = decoded
        h.learningRate = try r.readFloat("learningRate")
        h.seed = try r.read(UInt64.self, "seed")
        h.shuffleBufferSize = try r.readCount("shuffleBufferSize", limit: Hyperparameters.sizeLimit)
        let initCode = try r.read(UInt32.self, "initialization")
        let stddev = try r.readFloat("init stddev")
        switch initCode {
        case 0: h.initialization = .normal(stddev: stddev)
        case 1: h.initialization = .he
        case 2: h.initialization = .glorot
        default: throw ByteReader.Failure(reason: "unknown initialization \(initCode)")
        }
        // Fields a setting does not use are written as zero bits, and must read as such (one state, one encoding).
        guard initCode == 0 || stddev.bitPattern == 0 else { throw ByteReader.Failure(reason: "a standard deviation for \(h.initialization)") }
        let optimizer = Int(try r.read(UInt32.self, "optimizer"))
        guard Optimizer.allCases.indices.contains(optimizer) else { throw ByteReader.Failure(reason: "unknown optimizer \(optimizer)") }
        h.optimizer = Optimizer.allCases[optimizer]
        h.momentum = try r.readFloat("momentum"); h.beta1 = try r.readFloat("beta1"); h.beta2 = try r.readFloat("beta2")
        h.epsilon = try r.readFloat("epsilon"); h.weightDecay = try r.readFloat("weightDecay")
        let schedule = try r.read(UInt32.self, "schedule")
        let every = try r.readCount("schedule interval", limit: limit)
        let gamma = try r.readFloat("schedule gamma")
        switch schedule {
        case 0: h.schedule = .constant
        case 1: h.schedule = .step(every: every, gamma: gamma)
        case 2: h.schedule = .cosine
        default: throw ByteReader.Failure(reason: "unknown schedule \(schedule)")
        }
        guard schedule == 1 || (every == 0 && gamma.bitPattern == 0) else { throw ByteReader.Failure(reason: "step settings for \(h.schedule)") }
        h.warmup = try r.readCount("warmup", limit: limit)
        let loss = Int(try r.read(UInt32.self, "loss"))
        guard LossReduction.allCases.indices.contains(loss) else { throw ByteReader.Failure(reason: "unknown loss reduction \(loss)") }
        h.loss = LossReduction.allCases[loss]
        h.validation = try r.readCount("validation", limit: Int(Int32.max))
        switch try r.read(UInt32.self, "normalize") {
        case 0: h.normalize = false
        case 1: h.normalize = true
        case let flag: throw ByteReader.Failure(reason: "normalize flag \(flag)")
        }
        return h
    }

    /// Restores a state from `serializedState()` and the weights blob it was saved with. Throws
    /// `TrainerError.corruptState` for anything malformed (including weights that are not the ones
    /// the state names), `TrainerError.datasetMismatch` when it belongs to another dataset,
    /// `TrainerError.arithmeticMismatch` when another arithmetic made it (every version-1 and -2 state:
    /// continuing would not give the bits it would have had; `hyperparameters(ofState:weights:dataset:)`
    /// still reads its settings for a fine-tuning fork), and `TrainerError.unsupportedKernelPath` for a
    /// bad NNREG_ISA. A version-1 state carries its own weights; `weights` is then ignored when empty
    /// and must equal them otherwise.
    ///
    /// `adjust` may change the settings the run continues with: a fork's learning rate, schedule,
    /// warmup or steps (anything else that changes is refused with `invalidHyperparameter`).
    public convenience init(restoring state: [UInt8], weights: [UInt8], dataset: Dataset,
                            adjust: ((inout Hyperparameters) -> Void)? = nil) throws {
        _ = try KernelPath.checked()
        let saved = try Self.decodeState(state, weights: weights, dataset: dataset)
        guard saved.arithmetic == .current else {
            throw TrainerError.arithmeticMismatch(checkpoint: saved.arithmetic, current: .current)
        }
        var h = saved.hyperparameters
        if let adjust {
            adjust(&h)
            var comparable = h
            comparable.learningRate = saved.hyperparameters.learningRate
            comparable.schedule = saved.hyperparameters.schedule
            comparable.warmup = saved.hyperparameters.warmup
            comparable.steps = saved.hyperparameters.steps
            guard comparable == saved.hyperparameters else {
                throw TrainerError.invalidHyperparameter(
                    name: "fork", reason: "a continued state may change only the learning rate, schedule, warmup and steps")
            }
            try h.validate(trainingCount: dataset.train.count)
        }
        self.init(hyperparameters: h, dataset: dataset, step: saved.step, generator: saved.generator,
                  buffer: saved.buffer, network: saved.network, optimizerSteps: saved.optimizerSteps, moments: saved.moments)
    }

    /// The settings a state was saved with, whatever arithmetic made it, with the same checks as
    /// `init(restoring:weights:dataset:)` otherwise: for starting a new run from its weights.
    public static func hyperparameters(ofState state: [UInt8], weights: [UInt8], dataset: Dataset) throws -> Hyperparameters {
        try decodeState(state, weights: weights, dataset: dataset).hyperparameters
    }

    private struct SavedState {
        let arithmetic: Arithmetic
        let hyperparameters: Hyperparameters
        let step: Int
        let generator: Generator
        let buffer: ShuffleBuffer
        let network: Network
        let optimizerSteps: Int
        let moments: [[Float]]
    }

    private static func decodeState(_ state: [UInt8], weights: [UInt8], dataset: Dataset) throws -> SavedState {
        var r = ByteReader(state)
        do {
            guard state.count >= 12, try r.readRaw(8, "magic") == Self.stateMagic else {
                throw ByteReader.Failure(reason: "not a trainer state (bad magic)")
            }
            let version = try r.read(UInt32.self, "version")
            guard (1...Self.stateVersion).contains(version) else { throw ByteReader.Failure(reason: "unsupported state version \(version)") }
            let stored = Array(state.suffix(4)).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            guard stored == Self.crc(Array(state.dropLast(4))) else { throw ByteReader.Failure(reason: "checksum mismatch") }
            let arithmetic = version >= 3 ? Arithmetic(rawValue: try r.read(UInt32.self, "arithmetic")) : .openBLAS
            let limit = Int(Int64.max)
            var h = Hyperparameters()
            if version >= 4 {
                h = try readHyperparameters(&r)
            } else {
                h.steps = try r.readCount("steps", limit: limit)
                h.batchSize = try r.readCount("batchSize", limit: Hyperparameters.sizeLimit)
                h.displayStep = try r.readCount("displayStep", limit: limit)
                h.hidden = [try r.readCount("hidden1", limit: Hyperparameters.sizeLimit), try r.readCount("hidden2", limit: Hyperparameters.sizeLimit)]
                h.learningRate = try r.readFloat("learningRate")
                h.seed = try r.read(UInt64.self, "seed")
                h.shuffleBufferSize = try r.readCount("shuffleBufferSize", limit: Hyperparameters.sizeLimit)
                h.initialization = .normal(stddev: try r.readFloat("initStddev"))
            }
            do { try h.validate(trainingCount: dataset.train.count) } catch let error as TrainerError {
                throw ByteReader.Failure(reason: error.description)
            }
            let step = try r.readCount("step", limit: limit)
            let shaCount = Int(try r.read(UInt32.self, "dataset hash length"))
            guard shaCount <= 128 else { throw ByteReader.Failure(reason: "dataset hash length \(shaCount)") }
            let sha = String(decoding: try r.readRaw(shaCount, "dataset hash"), as: UTF8.self)
            let trainingCount = try r.readCount("training count", limit: Int(Int32.max))
            guard sha == dataset.identity.sha256, trainingCount == dataset.train.count else {
                throw TrainerError.datasetMismatch(expected: sha, actual: dataset.identity.sha256)
            }
            let g = (try r.read(UInt64.self, "generator"), try r.read(UInt64.self, "generator"),
                     try r.read(UInt64.self, "generator"), try r.read(UInt64.self, "generator"))
            guard let generator = Generator(state: g) else { throw ByteReader.Failure(reason: "generator state is all zero") }
            let cursor = try r.readCount("cursor", limit: Int(Int32.max))
            let slotCount = Int(try r.read(UInt32.self, "slot count"))
            guard slotCount == h.shuffleBufferSize, r.remaining / 4 >= slotCount else {
                throw ByteReader.Failure(reason: "shuffle buffer has \(slotCount) slots, expected \(h.shuffleBufferSize)")
            }
            var slots = [Int32](repeating: 0, count: slotCount)
            for i in 0..<slotCount { slots[i] = try r.read(Int32.self, "slot") }
            let trainedCount = trainingCount - h.validation
            guard let buffer = ShuffleBuffer(count: trainedCount, slots: slots, cursor: cursor) else {
                throw ByteReader.Failure(reason: "shuffle buffer refers to examples outside 0..<\(trainedCount)")
            }
            var optimizerSteps = 0
            var momentBytes = ByteReader([])
            if version >= 4 {
                optimizerSteps = try r.readCount("optimizer steps", limit: limit)
                // The moments' size follows from the shapes, checked against the weights below.
                let widths = [trainingCount > 0 ? dataset.train.features : 0] + h.hidden + [dataset.classes]
                var floats = 0
                for l in 0..<(widths.count - 1) { floats += widths[l] * widths[l + 1] + widths[l + 1] }
                let bytes = floats * 4 * h.optimizer.slots
                momentBytes = ByteReader(try r.readRaw(bytes, "optimizer state"))
            }
            let blobBytes: [UInt8]
            if version == 1 {
                let blobCount = try r.read(UInt64.self, "weights length")
                guard blobCount == UInt64(r.remaining - 4) else { throw ByteReader.Failure(reason: "weights length \(blobCount) does not match the \(r.remaining - 4) bytes left") }
                blobBytes = try r.readRaw(Int(blobCount), "weights")
                guard weights.isEmpty || weights == blobBytes else {
                    throw ByteReader.Failure(reason: "the weights given are not the ones this version-1 state holds")
                }
            } else {
                let hashCount = Int(try r.read(UInt32.self, "weights hash length"))
                guard hashCount == 64, r.remaining == 64 + 4 else {
                    throw ByteReader.Failure(reason: "weights hash of \(hashCount) bytes with \(r.remaining) bytes left")
                }
                let expected = String(decoding: try r.readRaw(hashCount, "weights hash"), as: UTF8.self)
                guard Self.sha256Hex(weights) == expected else {
                    throw ByteReader.Failure(reason: "the weights given (sha256 \(Self.sha256Hex(weights).prefix(12))…) are not the ones this state was saved with (\(expected.prefix(12))…)")
                }
                blobBytes = weights
            }
            var blob = ByteReader(blobBytes)
            let network = try Network.decode(&blob)
            try blob.expectEnd()
            guard network.inputs == dataset.train.features, network.classes == dataset.classes, network.hidden == h.hidden,
                  network.activation == h.activation, (network.normalization != nil) == h.normalize else {
                throw ByteReader.Failure(reason: "weights \(network.shape) (\(network.activation.rawValue)) do not fit the settings")
            }
            var moments: [[Float]] = []
            let counts = network.tensors.map(\.count)
            for _ in 0..<(version >= 4 ? h.optimizer.slots : 0) {
                for (index, count) in counts.enumerated() { moments.append(try momentBytes.readFloats(count, "optimizer state tensor \(index + 1)")) }
            }
            try momentBytes.expectEnd()
            return SavedState(arithmetic: arithmetic, hyperparameters: h, step: step, generator: generator, buffer: buffer, network: network,
                              optimizerSteps: optimizerSteps, moments: moments)
        } catch let failure as ByteReader.Failure {
            throw TrainerError.corruptState(failure.reason)
        }
    }

    /// Lowercase hex SHA-256, as the store keys blobs.
    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in SHA256.hash(data: bytes) { hex += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: hex, as: UTF8.self)
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
}
