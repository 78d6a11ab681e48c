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

@Test func aVersionOneStateWithItsWeightsInsideStillRestores() throws {
    // Version 1 (before the weights moved out): the same fields, then UInt64 length + weights blob.
    var state = try savedState()
    state.removeLast(4 + 4 + 64)  // CRC, hash length, hash
    state[8] = 1
    withUnsafeBytes(of: UInt64(savedWeights.count).littleEndian) { state.append(contentsOf: $0) }
    state += savedWeights
    withUnsafeBytes(of: Trainer.crc(state).littleEndian) { state.append(contentsOf: $0) }
    for weights in [[], savedWeights] {
        let restored = try Trainer(restoring: state, weights: weights, dataset: synthetic)
        #expect(restored.network.serialized() == savedWeights)
        #expect(restored.serializedState() == (try savedState()))
    }
    #expect(performing: {
        try Trainer(restoring: state, weights: Array(savedWeights.reversed()), dataset: synthetic)
    }, throws: isCorruptState)
}

@Test func fineTuningStartsFromGivenWeightsWithTheSeedsDataOrder() throws {
    let h = smallHyperparameters(seed: 4)
    let fresh = try Trainer(hyperparameters: h, dataset: synthetic)
    let tuned = try Trainer(hyperparameters: h, dataset: synthetic, startingFrom: savedTrainer.network)
    #expect(tuned.network == savedTrainer.network)
    #expect(tuned.step == 0)
    #expect(tuned.buffer.slots == fresh.buffer.slots)
    var wrong = h
    wrong.hidden1 += 1
    #expect(throws: TrainerError.self) { try Trainer(hyperparameters: wrong, dataset: synthetic, startingFrom: savedTrainer.network) }
}
