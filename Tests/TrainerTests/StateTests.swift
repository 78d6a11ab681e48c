import Foundation
import Testing
@testable import Trainer

private let synthetic = SyntheticDataset.make(trainCount: 300, testCount: 50, seed: 5)

private func isCorruptState(_ error: any Error) -> Bool {
    if case .corruptState = error as? TrainerError { return true }
    return false
}

private func savedState() throws -> [UInt8] {
    let trainer = try Trainer(hyperparameters: smallHyperparameters(), dataset: synthetic)
    try trainer.train(until: 3, observer: nil)
    return trainer.serializedState()
}

@Test func everyTruncationOfTheStateIsRejected() throws {
    let state = try savedState()
    for length in Array(0..<80) + stride(from: 80, to: state.count, by: 97).map({ $0 }) + [state.count - 1] {
        #expect(throws: (any Error).self) { try Trainer(restoring: Array(state.prefix(length)), dataset: synthetic) }
        #expect(performing: { try Trainer(restoring: Array(state.prefix(length)), dataset: synthetic) }, throws: isCorruptState)
    }
}

@Test func flippedBytesAndGarbageAreRejected() throws {
    let state = try savedState()
    var generator = Generator(seed: 77)
    for _ in 0..<200 {
        var bytes = state
        let i = Int(generator.next(below: UInt64(bytes.count)))
        bytes[i] ^= UInt8(1 + generator.next(below: 255))
        #expect(performing: { try Trainer(restoring: bytes, dataset: synthetic) }, throws: isCorruptState)
    }
    for length in [0, 1, 12, 100, 5000] {
        let garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        #expect(performing: { try Trainer(restoring: garbage, dataset: synthetic) }, throws: isCorruptState)
    }
    #expect(performing: { try Trainer(restoring: state + [0], dataset: synthetic) }, throws: isCorruptState)
}

@Test func stateOfAnotherDatasetIsRefused() throws {
    let state = try savedState()
    let other = SyntheticDataset.make(trainCount: 300, testCount: 50, seed: 6)
    #expect(throws: TrainerError.datasetMismatch(expected: synthetic.identity.sha256, actual: other.identity.sha256)) {
        try Trainer(restoring: state, dataset: other)
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
