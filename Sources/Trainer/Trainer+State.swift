import CZlib

extension Trainer {
    static let stateMagic = Array("NNRGTRST".utf8)
    static let stateVersion: UInt32 = 1

    /// The complete state: "NNRGTRST", UInt32 version, hyperparameters, step, dataset SHA-256,
    /// training-set size, generator state, shuffle-buffer cursor and slots, the weights blob, and a
    /// CRC-32 of everything before it. All integers little-endian.
    public func serializedState() -> [UInt8] {
        var w = ByteWriter()
        w.write(raw: Self.stateMagic)
        w.write(Self.stateVersion)
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
        let blob = parameters.network.serialized()
        w.write(UInt64(blob.count)); w.write(raw: blob)
        w.write(Self.crc(w.bytes))
        return w.bytes
    }

    /// Restores a state from `serializedState()`. Throws `TrainerError.corruptState` for anything
    /// malformed and `TrainerError.datasetMismatch` when it belongs to another dataset.
    public convenience init(restoring state: [UInt8], dataset: Dataset) throws {
        var r = ByteReader(state)
        do {
            guard state.count >= 12, try r.readRaw(8, "magic") == Self.stateMagic else {
                throw ByteReader.Failure(reason: "not a trainer state (bad magic)")
            }
            let version = try r.read(UInt32.self, "version")
            guard version == Self.stateVersion else { throw ByteReader.Failure(reason: "unsupported state version \(version)") }
            let stored = Array(state.suffix(4)).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            guard stored == Self.crc(Array(state.dropLast(4))) else { throw ByteReader.Failure(reason: "checksum mismatch") }
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
            let blobCount = try r.read(UInt64.self, "weights length")
            guard blobCount == UInt64(r.remaining - 4) else { throw ByteReader.Failure(reason: "weights length \(blobCount) does not match the \(r.remaining - 4) bytes left") }
            var blob = ByteReader(try r.readRaw(Int(blobCount), "weights"))
            let network = try Network.decode(&blob)
            try blob.expectEnd()
            guard network.inputs == dataset.train.features, network.classes == dataset.classes,
                  network.hidden1 == h.hidden1, network.hidden2 == h.hidden2 else {
                throw ByteReader.Failure(reason: "weights \(network.inputs)-\(network.hidden1)-\(network.hidden2)-\(network.classes) do not fit the settings")
            }
            self.init(hyperparameters: h, dataset: dataset, step: step, generator: generator, buffer: buffer, network: network)
        } catch let failure as ByteReader.Failure {
            throw TrainerError.corruptState(failure.reason)
        }
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
}
