import CKernels
import Foundation
import Testing
@testable import Trainer

private let synthetic = SyntheticDataset.make(trainCount: 300, testCount: 50, seed: 5)

private func isCorruptState(_ error: any Error) -> Bool {
    if case .corruptState = error as? TrainerError { return true }
    return false
}

nonisolated(unsafe) private let savedTrainer: Trainer = {
    let trainer = try! Trainer(hyperparameters: smallHyperparameters(), dataset: synthetic)
    try! trainer.train(until: 3, observer: nil)
    return trainer
}()
private let savedWeights = savedTrainer.network.serialized()

private func savedState() throws -> [UInt8] { savedTrainer.serializedState() }

@Test func everyTruncationOfTheStateIsRejected() throws {
    let state = try savedState()
    for length in Array(0..<80) + stride(from: 80, to: state.count, by: 97).map({ $0 }) + [state.count - 1] {
        #expect(throws: (any Error).self) { try Trainer(restoring: Array(state.prefix(length)), weights: savedWeights, dataset: synthetic) }
        #expect(performing: { try Trainer(restoring: Array(state.prefix(length)), weights: savedWeights, dataset: synthetic) }, throws: isCorruptState)
    }
}

@Test func flippedBytesAndGarbageAreRejected() throws {
    let state = try savedState()
    var generator = Generator(seed: 77)
    for _ in 0..<200 {
        var bytes = state
        let i = Int(generator.next(below: UInt64(bytes.count)))
        bytes[i] ^= UInt8(1 + generator.next(below: 255))
        #expect(performing: { try Trainer(restoring: bytes, weights: savedWeights, dataset: synthetic) }, throws: isCorruptState)
    }
    for length in [0, 1, 12, 100, 5000] {
        let garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        #expect(performing: { try Trainer(restoring: garbage, weights: savedWeights, dataset: synthetic) }, throws: isCorruptState)
    }
    #expect(performing: { try Trainer(restoring: state + [0], weights: savedWeights, dataset: synthetic) }, throws: isCorruptState)
}

@Test func stateOfAnotherDatasetIsRefused() throws {
    let state = try savedState()
    let other = SyntheticDataset.make(trainCount: 300, testCount: 50, seed: 6)
    #expect(throws: TrainerError.datasetMismatch(expected: synthetic.identity.sha256, actual: other.identity.sha256)) {
        try Trainer(restoring: state, weights: savedWeights, dataset: other)
    }
}

@Test func weightsBlobRoundTripsAndRejectsCorruption() throws {
    let trainer = try Trainer(hyperparameters: smallHyperparameters(), dataset: synthetic)
    try trainer.train(until: 2, observer: nil)
    let network = trainer.network
    let blob = network.serialized()
    #expect(blob.count == 8 + 4 + 16 + 4 * (784 * 16 + 16 + 16 * 24 + 24 + 24 * 10 + 10))
    #expect(try Network(serialized: blob) == network)
    func isCorrupt(_ error: any Error) -> Bool {
        if case .corruptWeights = error as? TrainerError { return true }
        return false
    }
    for length in [0, 7, 8, 12, 27, 28, 100, blob.count - 1] {
        #expect(performing: { try Network(serialized: Array(blob.prefix(length))) }, throws: isCorrupt)
    }
    var nan = blob
    nan.replaceSubrange(28..<32, with: [0, 0, 0xC0, 0x7F])
    #expect(performing: { try Network(serialized: nan) }, throws: isCorrupt)
    var huge = blob
    huge.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0x7F])
    #expect(performing: { try Network(serialized: huge) }, throws: isCorrupt)
    #expect(performing: { try Network(serialized: blob + [1]) }, throws: isCorrupt)
}

@Test func theStateHoldsTheWeightsHashNotTheWeights() throws {
    let state = try savedState()
    #expect(state.count < savedWeights.count)
    let restored = try Trainer(restoring: state, weights: savedWeights, dataset: synthetic)
    #expect(restored.network.serialized() == savedWeights)
    // Other weights of the same shape are refused: the state names the blob it was saved with.
    let other = try Trainer(hyperparameters: smallHyperparameters(seed: 9), dataset: synthetic).network.serialized()
    #expect(other.count == savedWeights.count)
    #expect(performing: { try Trainer(restoring: state, weights: other, dataset: synthetic) }, throws: isCorruptState)
    #expect(performing: { try Trainer(restoring: state, weights: [], dataset: synthetic) }, throws: isCorruptState)
}

/// The saved state as an older version wrote it (the seed's settings only, no optimizer state):
/// version 3 with the arithmetic field, 1 and 2 without it; version 1 carries the weights.
private func olderState(version: UInt8) throws -> [UInt8] {
    let t = savedTrainer, h = t.hyperparameters
    var w = ByteWriter()
    w.write(raw: Trainer.stateMagic)
    w.write(UInt32(version))
    if version == 3 { w.write(Arithmetic.current.rawValue) }
    w.write(h.steps); w.write(h.batchSize); w.write(h.displayStep); w.write(h.hidden[0]); w.write(h.hidden[1])
    w.write(h.learningRate); w.write(h.seed); w.write(h.shuffleBufferSize)
    guard case .normal(let stddev) = h.initialization else { throw TrainerError.corruptState("not the seed's init") }
    w.write(stddev)
    w.write(t.step)
    let sha = Array(t.dataset.identity.sha256.utf8)
    w.write(UInt32(sha.count)); w.write(raw: sha)
    w.write(t.dataset.train.count)
    let g = t.generator.state
    w.write(g.0); w.write(g.1); w.write(g.2); w.write(g.3)
    w.write(t.buffer.cursor)
    w.write(UInt32(t.buffer.slots.count))
    for slot in t.buffer.slots { w.write(slot) }
    if version == 1 {
        w.write(UInt64(savedWeights.count))
        w.write(raw: savedWeights)
    } else {
        let hash = Array(Trainer.sha256Hex(savedWeights).utf8)
        w.write(UInt32(hash.count)); w.write(raw: hash)
    }
    w.write(Trainer.crc(w.bytes))
    return w.bytes
}

@Test func aVersion3StateStillContinuesBitExactly() throws {
    let restored = try Trainer(restoring: try olderState(version: 3), weights: savedWeights, dataset: synthetic)
    #expect(restored.serializedState() == savedTrainer.serializedState())
}

@Test func theStateRecordsTheArithmetic() throws {
    let state = try savedState()
    #expect(state[8] == 4)
    #expect(Array(state[12..<16]) == [UInt8(NN_ARITHMETIC), 0, 0, 0])
    #expect(Arithmetic.current == .fixedOrderFMA && Arithmetic.current != .openBLAS)
}

@Test(arguments: [UInt8(1), 2])
func aStateOfTheOpenBLASArithmeticIsRefusedInOneLineButItsSettingsRead(version: UInt8) throws {
    let state = try olderState(version: version)
    #expect(throws: TrainerError.arithmeticMismatch(checkpoint: .openBLAS, current: .current)) {
        try Trainer(restoring: state, weights: version == 1 ? [] : savedWeights, dataset: synthetic)
    }
    let message = TrainerError.arithmeticMismatch(checkpoint: .openBLAS, current: .current).description
    #expect(!message.contains("\n") && message.contains("OpenBLAS") && message.contains("not be bit-exact") && message.contains("--fork"))
    // A fork that fine-tunes from its weights still reads its settings.
    #expect(try Trainer.hyperparameters(ofState: state, weights: savedWeights, dataset: synthetic) == savedTrainer.hyperparameters)
    // Its corruption is still reported as corruption, not as another arithmetic.
    var flipped = state
    flipped[20] ^= 1
    #expect(performing: { try Trainer(restoring: flipped, weights: savedWeights, dataset: synthetic) }, throws: isCorruptState)
}

@Test func aStateOfAnUnknownArithmeticIsRefused() throws {
    var state = try savedState()
    state[12] = 99
    state.removeLast(4)
    withUnsafeBytes(of: Trainer.crc(state).littleEndian) { state.append(contentsOf: $0) }
    #expect(throws: TrainerError.arithmeticMismatch(checkpoint: Arithmetic(rawValue: 99), current: .current)) {
        try Trainer(restoring: state, weights: savedWeights, dataset: synthetic)
    }
}

@Test func fineTuningStartsFromGivenWeightsWithTheSeedsDataOrder() throws {
    let h = smallHyperparameters(seed: 4)
    let fresh = try Trainer(hyperparameters: h, dataset: synthetic)
    let tuned = try Trainer(hyperparameters: h, dataset: synthetic, startingFrom: savedTrainer.network)
    #expect(tuned.network == savedTrainer.network)
    #expect(tuned.step == 0)
    #expect(tuned.buffer.slots == fresh.buffer.slots)
    var wrong = h
    wrong.hidden[0] += 1
    #expect(throws: TrainerError.self) { try Trainer(hyperparameters: wrong, dataset: synthetic, startingFrom: savedTrainer.network) }
}
