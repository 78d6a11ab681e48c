import Foundation
import Testing
@testable import Trainer

// The SHA-256 of the weights blob after N steps, pinned. Every kernel path this CPU runs must give
// exactly these bits: on an AVX2-only machine the reference and AVX2 paths (and the AVX-512 tile code
// compiled for AVX2), on an AVX-512 machine the AVX-512 path as well. A change here is a change of
// arithmetic: bump NN_ARITHMETIC (CKernels.h) so older checkpoints are refused instead of diverging.

private struct Golden: Sendable, CustomTestStringConvertible {
    let name: String
    let train: Int, test: Int, dataSeed: UInt64
    let hyperparameters: Hyperparameters
    let steps: Int
    let sha256: String
    var testDescription: String { name }
}

private func settings(seed: UInt64, hidden1: Int, hidden2: Int, batch: Int, learningRate: Float, buffer: Int) -> Hyperparameters {
    var h = Hyperparameters()
    (h.seed, h.hidden, h.batchSize, h.learningRate, h.shuffleBufferSize, h.displayStep) =
        (seed, [hidden1, hidden2], batch, learningRate, buffer, 7)
    return h
}

private let syntheticGoldens = [
    Golden(name: "synthetic 784-16-24-10, batch 32, seed 7, 30 steps", train: 600, test: 200, dataSeed: 3,
           hyperparameters: smallHyperparameters(seed: 7), steps: 30,
           sha256: "3a62a99ee6688c88e351b2ed3430cc4e71f7a013aa82f058b07b6a0e6c43acc4"),
    Golden(name: "synthetic 784-13-37-10, batch 19, seed 11, 25 steps", train: 300, test: 50, dataSeed: 4,
           hyperparameters: settings(seed: 11, hidden1: 13, hidden2: 37, batch: 19, learningRate: 0.05, buffer: 50), steps: 25,
           sha256: "e6ce88216a29ada67925f62d60a4949173f46ec5c58924fa787a6cef72a385de"),
    Golden(name: "synthetic 784-128-256-10, batch 256, seed 1, 6 steps", train: 2000, test: 100, dataSeed: 5,
           hyperparameters: settings(seed: 1, hidden1: 128, hidden2: 256, batch: 256, learningRate: 0.001, buffer: 5000), steps: 6,
           sha256: "092efdedb0a96b1cd7e8d748b0366a4adaa7dbea780185e6480d3557b4398522"),
]

private func weightsSHA256(_ trainer: Trainer) -> String { Trainer.sha256Hex(trainer.network.serialized()) }

@Test(arguments: syntheticGoldens)
private func syntheticRunsGiveThePinnedBitsOnEveryPath(_ golden: Golden) throws {
    let dataset = SyntheticDataset.make(trainCount: golden.train, testCount: golden.test, seed: golden.dataSeed)
    var evaluations: [Evaluation] = []
    for path in testedPaths {
        let trainer = try Trainer(hyperparameters: golden.hyperparameters, dataset: dataset)
        trainer.kernelPath = path
        try trainer.train(until: golden.steps, observer: nil)
        #expect(weightsSHA256(trainer) == golden.sha256, "\(golden.name) on \(path)")
        evaluations.append(trainer.network.evaluate(dataset.test, path: path))
    }
    #expect(evaluations.allSatisfy { $0 == evaluations[0] })
}

/// Seeds 1 and 2 of the seed configuration on the real MNIST, 20 steps, every path.
private let mnistGoldens: [(seed: UInt64, sha256: String)] = [
    (1, "da48b86fefe109d9e6300b661d3e7a6b0de8f8e78a1d92f6edf3b76305dc9865"),
    (2, "c9f4ed6eed2562ed2fed4c5f6e5e95786887735e96034c9308e76508396b1258"),
]

/// The README's `make demo`: seed 1, 3000 steps. Every machine must print this.
let seedOneSHA256 = "3b6e30317b57324cdbe055df3afc168edf5ed65a317a199ff4aacc74ac4794a1"

@Test func realMNISTRunsGiveThePinnedBitsOnEveryPath() throws {
    guard let directory = realMNISTDirectory else { return }
    let dataset = try Dataset.load(directory: directory)
    for (seed, sha256) in mnistGoldens {
        var h = Hyperparameters()
        h.seed = seed
        for path in testedPaths {
            let trainer = try Trainer(hyperparameters: h, dataset: dataset)
            trainer.kernelPath = path
            try trainer.train(until: 20, observer: nil)
            #expect(weightsSHA256(trainer) == sha256, "MNIST seed \(seed), 20 steps, on \(path)")
        }
    }
}

@Test func theSeedRunGivesTheREADMEsBitsOnEveryVectorPath() throws {
    guard let directory = realMNISTDirectory else { return }
    let dataset = try Dataset.load(directory: directory)
    // The reference path takes minutes for 3000 steps; it is held to the same bits by the runs above.
    for path in testedPaths where path != .reference && path != .avx512ShapeOnAVX2 {
        let trainer = try Trainer(hyperparameters: Hyperparameters(), dataset: dataset)
        trainer.kernelPath = path
        try trainer.train(until: 3000, observer: nil)
        #expect(weightsSHA256(trainer) == seedOneSHA256, "MNIST seed 1, 3000 steps, on \(path)")
        #expect(trainer.network.evaluate(dataset.test).accuracy >= 0.93)
    }
}
