import CZlib
import Crypto

extension Trainer {
    static let stateMagic = Array("NNRGTRST".utf8)
    /// 1 carried the weights blob inside the state; 2 carries the weights' SHA-256 instead, so a
    /// checkpoint stores its weights once (the store keeps them as their own blob); 3 adds the
    /// arithmetic that computed the weights (1 and 2 were all made by OpenBLAS's, `Arithmetic.openBLAS`).
    static let stateVersion: UInt32 = 3

    /// Everything but the weights needed to continue training exactly: "NNRGTRST", UInt32 version 3,
    /// UInt32 arithmetic (`Arithmetic.rawValue`), hyperparameters, step, dataset SHA-256,
    /// training-set size, generator state, shuffle-buffer cursor and slots, the SHA-256 of the
    /// weights blob (`network.serialized()`) it goes with, and a CRC-32 of everything before it. All
    /// integers little-endian. Restore with `init(restoring:weights:dataset:)`.
    public func serializedState() -> [UInt8] {
        var w = ByteWriter()
        w.write(raw: Self.stateMagic)
        w.write(Self.stateVersion)
        w.write(Arithmetic.current.rawValue)
        let h = hyperparameters
        w.write(h.steps); w.write(h.batchSize); w.write(h.displayStep); w.write(h.hidden1); w.write(h.hidden2)
        w.write(h.learningRate); w.write(h.seed); w.write(h.shuffleBufferSize); w.write(h.initStddev)
        w.write(step)
        let sha = Array(dataset.identity.sha256.utf8)
        w.write(UInt32(sha.count)); w.write(raw: sha)
        w.write(dataset.train.count)
        let g = generator.state
        w.write(g.0); w.write(g.1); w.write(g.2); w.write(g.3)
        w.write(buffer.cursor)
        w.write(UInt32(buffer.slots.count))
        for s in buffer.slots { w.write(s) }
        let weightsSHA256 = Array(Self.sha256Hex(parameters.network.serialized()).utf8)
        w.write(UInt32(weightsSHA256.count)); w.write(raw: weightsSHA256)
        w.write(Self.crc(w.bytes))
        return w.bytes
    }

    /// Restores a state from `serializedState()` and the weights blob it was saved with. Throws
    /// `TrainerError.corruptState` for anything malformed (including weights that are not the ones
    /// the state names), `TrainerError.datasetMismatch` when it belongs to another dataset,
    /// `TrainerError.arithmeticMismatch` when another arithmetic made it (every version-1 and -2 state:
    /// continuing would not give the bits it would have had; `hyperparameters(ofState:weights:dataset:)`
    /// still reads its settings for a fine-tuning fork), and `TrainerError.unsupportedKernelPath` for a
    /// bad NNREG_ISA. A version-1 state carries its own weights; `weights` is then ignored when empty
    /// and must equal them otherwise.
    public convenience init(restoring state: [UInt8], weights: [UInt8], dataset: Dataset) throws {
        _ = try KernelPath.checked()
        let saved = try Self.decodeState(state, weights: weights, dataset: dataset)
        guard saved.arithmetic == .current else {
            throw TrainerError.arithmeticMismatch(checkpoint: saved.arithmetic, current: .current)
        }
        self.init(hyperparameters: saved.hyperparameters, dataset: dataset, step: saved.step, generator: saved.generator,
                  buffer: saved.buffer, network: saved.network)
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
            var h = Hyperparameters()
            let limit = Int(Int64.max)
            h.steps = try r.readCount("steps", limit: limit)
            h.batchSize = try r.readCount("batchSize", limit: Hyperparameters.sizeLimit)
            h.displayStep = try r.readCount("displayStep", limit: limit)
            h.hidden1 = try r.readCount("hidden1", limit: Hyperparameters.sizeLimit)
            h.hidden2 = try r.readCount("hidden2", limit: Hyperparameters.sizeLimit)
            h.learningRate = try r.readFloat("learningRate")
            h.seed = try r.read(UInt64.self, "seed")
            h.shuffleBufferSize = try r.readCount("shuffleBufferSize", limit: Hyperparameters.sizeLimit)
            h.initStddev = try r.readFloat("initStddev")
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
            guard let buffer = ShuffleBuffer(count: trainingCount, slots: slots, cursor: cursor) else {
                throw ByteReader.Failure(reason: "shuffle buffer refers to examples outside 0..<\(trainingCount)")
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
            guard network.inputs == dataset.train.features, network.classes == dataset.classes,
                  network.hidden1 == h.hidden1, network.hidden2 == h.hidden2 else {
                throw ByteReader.Failure(reason: "weights \(network.inputs)-\(network.hidden1)-\(network.hidden2)-\(network.classes) do not fit the settings")
            }
            return SavedState(arithmetic: arithmetic, hyperparameters: h, step: step, generator: generator, buffer: buffer, network: network)
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
